"""Structured SSA: the IR every stage between the frontend and codegen speaks.

A `Function` owns a `Block`; a block is a list of statements and the operands it
yields (for a function body: the returned value). Each `Var` is assigned exactly
once, by one `Op` or as a block argument or parameter; identity is the object, the
`name` is what codegen prints. Primal names are unique; the versions of one adjoint
(``d_x`` accumulated several times) share a name, which is sound because each
version's live range ends where the next begins.

Invariants (checked by `verify`): every `Var` is defined once, and defined before it
is used.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Loc, SrcdiffError

PARAM, LOCAL, TEMP, ADJOINT = "param", "local", "temp", "adjoint"


class Var:
    """An SSA value. `kind` says where its name comes from (param/local/temp/adjoint)."""

    __slots__ = ("name", "kind")

    def __init__(self, name: str, kind: str = TEMP):
        self.name = name
        self.kind = kind

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    """A compile-time constant operand: a Python bool, int or float."""

    value: Any

    def __repr__(self) -> str:
        return repr(self.value)


Operand = Var | Const


def identity(x):
    """The copy primitive: ``y = x``."""
    return x


COPY = identity


@dataclass(eq=False)
class Op:
    """``result = fn(*args)``: `fn` is the Python callable the op applies."""

    fn: Any
    args: tuple
    result: Var
    loc: Loc | None = None


Stmt = Op


@dataclass(eq=False)
class Block:
    """A straight-line region: block arguments, statements, yielded operands."""

    args: tuple = ()
    ops: list = field(default_factory=list)
    yields: tuple = ()


@dataclass(eq=False)
class Function:
    """A function in SSA form; ``body.yields`` holds the returned operand."""

    name: str
    params: tuple
    body: Block
    loc: Loc


# ---------------------------------------------------------------- printable names

BINARY_SYMBOLS = {
    operator.add: "+",
    operator.sub: "-",
    operator.mul: "*",
    operator.truediv: "/",
    operator.floordiv: "//",
    operator.mod: "%",
    operator.pow: "**",
    operator.matmul: "@",
}
COMPARE_SYMBOLS = {
    operator.lt: "<",
    operator.le: "<=",
    operator.gt: ">",
    operator.ge: ">=",
    operator.eq: "==",
    operator.ne: "!=",
}
UNARY_SYMBOLS = {operator.neg: "-", operator.pos: "+", operator.not_: "not "}


def qualified_name(fn: Any) -> str:
    """How generated code spells `fn`: ``math.sin``, ``np.exp``, ``abs``, or its name."""
    for prefix, module in (("math", math), ("np", np), ("np.linalg", np.linalg)):
        name = getattr(fn, "__name__", None)
        if name and getattr(module, name, None) is fn:
            return f"{prefix}.{name}"
    if getattr(fn, "__module__", None) == "builtins":
        return fn.__name__
    return getattr(fn, "__name__", repr(fn))


# ---------------------------------------------------------------- printer


def format_op(op: Op, types: dict | None = None) -> str:
    """One line of IR text: ``name = fn(args)  # file:line``."""
    args = [repr(a) for a in op.args]
    if op.fn is COPY:
        expr = args[0]
    elif op.fn in BINARY_SYMBOLS or op.fn in COMPARE_SYMBOLS:
        expr = f" {BINARY_SYMBOLS.get(op.fn) or COMPARE_SYMBOLS[op.fn]} ".join(args)
    elif op.fn in UNARY_SYMBOLS:
        expr = UNARY_SYMBOLS[op.fn] + args[0]
    else:
        expr = f"{qualified_name(op.fn)}({', '.join(args)})"
    typ = f": {types[op.result]}" if types and op.result in types else ""
    where = f"  # line {op.loc.line}" if op.loc else ""
    return f"{op.result.name}{typ} = {expr}{where}"


def format_block(block: Block, types: dict | None = None, indent: str = "  ") -> list:
    lines = []
    if block.args:
        lines.append(f"{indent}^({', '.join(map(repr, block.args))})")
    lines += [indent + format_op(op, types) for op in block.ops]
    lines.append(f"{indent}yield {', '.join(map(repr, block.yields))}")
    return lines


def format_function(func: Function, types: dict | None = None) -> str:
    """Deterministic text of a function, for dumps, docs and tests."""

    def param(p: Var) -> str:
        return f"{p.name}: {types[p]}" if types and p in types else p.name

    head = f"func {func.name}({', '.join(param(p) for p in func.params)}):"
    return "\n".join([head, *format_block(func.body, types)])


# ---------------------------------------------------------------- verifier


def verify(func: Function) -> Function:
    """Check the SSA invariants; raise SrcdiffError (an internal error) if broken."""
    defined = set(func.params)

    def use(operand: Operand, where: Loc | None) -> None:
        if isinstance(operand, Var) and operand not in defined:
            raise SrcdiffError(f"internal error: {operand.name} used before definition", where)

    def define(var: Var, where: Loc | None) -> None:
        if var in defined:
            raise SrcdiffError(f"internal error: {var.name} defined twice", where)
        defined.add(var)

    def walk(block: Block) -> None:
        for arg in block.args:
            define(arg, func.loc)
        for op in block.ops:
            for a in op.args:
                use(a, op.loc)
            define(op.result, op.loc)
        for y in block.yields:
            use(y, func.loc)

    walk(func.body)
    return func
