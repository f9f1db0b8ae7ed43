"""Type specialization: SSA + argument types → a type for every value.

Consumes an `ir.Function` and one `Type` per parameter (taken from the first
call's arguments, like numba's dispatcher); produces a `Typed` pairing the
function with a new ``{Var: Type}`` map. Types decide activity (only floats carry
adjoints) and, for arrays, how adjoints are initialized and broadcasts undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import ir
from .errors import SrcdiffError
from .types import BOOL, FLOAT, INT, Array, Scalar, Type, result_type, type_of_value  # noqa: F401


@dataclass(frozen=True)
class Typed:
    """A function and the type of each of its values."""

    func: ir.Function
    types: dict

    def __getitem__(self, operand: ir.Operand) -> Type:
        if isinstance(operand, ir.Const):  # None: an omitted slice bound, which has no type
            return None if operand.value is None else type_of_value(operand.value)
        return self.types[operand]


def unify(types: list) -> Type | None:
    """The type that holds all of `types` (bool ⊂ int ⊂ float); None if none is known."""
    known = [t for t in types if t is not None]
    if not known:
        return None
    arrays = [t for t in known if isinstance(t, Array)]
    if arrays:
        if len({a.ndim for a in arrays}) > 1 or len(arrays) != len(known):
            raise SrcdiffError(f"a variable holds values of different shapes: {', '.join(map(str, known))}")
        return max(arrays, key=lambda a: ["bool", "int32", "int64", "float32", "float64"].index(a.dtype))
    for candidate in (FLOAT, INT, BOOL):
        if candidate in known:
            return candidate
    return known[0]


def infer(func: ir.Function, param_types: list, call_type: Callable | None = None) -> Typed:
    """Type every value of `func` given its parameters' types.

    `call_type(fn, arg_types)`, if given, types calls of functions the type rules do not
    know (a user's function with a rule); None from it means "as a ufunc would".
    """
    types = dict(zip(func.params, param_types))

    def of(a: ir.Operand) -> Type | None:
        if isinstance(a, ir.Const):
            return None if a.value is None else type_of_value(a.value)
        if a is ir.UNDEF:
            return None
        return types.get(a)

    def block(b: ir.Block) -> None:
        for stmt in b.ops:
            if isinstance(stmt, ir.Op):
                static = {k: v.value for k, v in stmt.kwargs if isinstance(v, ir.Const)}
                arg_types = [of(a) for a in stmt.args]
                known = call_type(stmt.fn, arg_types) if call_type and not stmt.kwargs else None
                try:
                    types[stmt.result] = known or result_type(stmt.fn, arg_types, static)
                except SrcdiffError as e:
                    raise SrcdiffError(e.message, e.loc or stmt.loc) from None
            elif isinstance(stmt, ir.If):
                block(stmt.then)
                block(stmt.orelse)
                for r, t, e in zip(stmt.results, stmt.then.yields, stmt.orelse.yields):
                    types[r] = unify([of(t), of(e)]) or INT
            else:
                loop(stmt)

    def loop(stmt) -> None:
        if isinstance(stmt, ir.For):
            for bound in (stmt.start, stmt.stop, stmt.step):
                if of(bound) not in (INT, BOOL, None):
                    raise SrcdiffError(f"range() needs integers; got a {of(bound)}", stmt.loc)
            types[stmt.index] = INT
        for arg, init in zip(stmt.body.args, stmt.inits):
            types[arg] = of(init)
        while True:  # carried types only widen, so this ends
            if isinstance(stmt, ir.While):
                block(stmt.test)
            block(stmt.body)
            widened = [unify([types[a], of(y)]) for a, y in zip(stmt.body.args, stmt.body.yields)]
            if widened == [types[a] for a in stmt.body.args]:
                break
            types.update(zip(stmt.body.args, widened))
        for arg, result in zip(stmt.body.args, stmt.results):
            types[arg] = types[arg] or INT
            types[result] = types[arg]

    block(func.body)
    return Typed(func, types)
