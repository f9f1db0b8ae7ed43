"""Type specialization: SSA + argument types → a type for every value.

Consumes an `ir.Function` and one `Type` per parameter (taken from the first
call's arguments, like numba's dispatcher); produces a `Typed` pairing the
function with a new ``{Var: Type}`` map. Types decide activity (only floats carry
adjoints) and, for arrays, how adjoints are initialized and broadcasts undone.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ir
from .errors import SrcdiffError


@dataclass(frozen=True)
class Scalar:
    """A Python/NumPy scalar: ``float``, ``int`` or ``bool``."""

    kind: str

    def __str__(self) -> str:
        return self.kind


FLOAT, INT, BOOL = Scalar("float"), Scalar("int"), Scalar("bool")
Type = Scalar


@dataclass(frozen=True)
class Typed:
    """A function and the type of each of its values."""

    func: ir.Function
    types: dict

    def __getitem__(self, operand: ir.Operand) -> Type:
        if isinstance(operand, ir.Const):
            return type_of_value(operand.value)
        return self.types[operand]


def type_of_value(value: Any) -> Type:
    """The srcdiff type of a run-time argument; SrcdiffError for what we don't take."""
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating)):
        return FLOAT
    raise SrcdiffError(f"expected a float, int or bool argument, got {type(value).__name__}")


BOOL_RESULT = {
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
    operator.eq,
    operator.ne,
    operator.not_,
    operator.and_,
    bool,
    math.isnan,
    math.isinf,
    math.isfinite,
    np.isnan,
    np.isinf,
    np.isfinite,
}
INT_RESULT = {int, math.floor, math.ceil, math.trunc}
PROMOTING = {
    operator.add,
    operator.sub,
    operator.mul,
    operator.floordiv,
    operator.mod,
    operator.pow,
    operator.neg,
    operator.pos,
    abs,
    min,
    max,
    pow,
    ir.COPY,
}


def result_type(fn: Any, arg_types: list) -> Type:
    """The type of ``fn(*args)`` for scalar arguments of `arg_types` (None: not yet known)."""
    arg_types = [t or INT for t in arg_types]
    if fn in BOOL_RESULT:
        return BOOL
    if fn in INT_RESULT or (fn is round and len(arg_types) == 1):
        return INT
    if fn in PROMOTING:
        if fn is ir.COPY:
            return arg_types[0]
        if FLOAT in arg_types:
            return FLOAT
        return INT
    return FLOAT


def unify(types: list) -> Type | None:
    """The type that holds all of `types` (bool ⊂ int ⊂ float); None if none is known."""
    known = [t for t in types if t is not None]
    if not known:
        return None
    for candidate in (FLOAT, INT, BOOL):
        if candidate in known:
            return candidate
    return known[0]


def infer(func: ir.Function, param_types: list) -> Typed:
    """Type every value of `func` given its parameters' types."""
    types = dict(zip(func.params, param_types))

    def of(a: ir.Operand) -> Type | None:
        if isinstance(a, ir.Const):
            return type_of_value(a.value)
        if a is ir.UNDEF:
            return None
        return types.get(a)

    def block(b: ir.Block) -> None:
        for stmt in b.ops:
            if isinstance(stmt, ir.Op):
                types[stmt.result] = result_type(stmt.fn, [of(a) for a in stmt.args])
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
                if of(bound) not in (INT, BOOL):
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
