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
TAPE, RESTORED = "tape", "restored"  # forward-pass storage, and values the reverse pass reads back


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


@dataclass(frozen=True)
class Symbol:
    """A name generated code reads as written, such as the dtype ``np.int64``."""

    text: str

    def __repr__(self) -> str:
        return self.text


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
    kwargs: tuple = ()  # (name, operand) pairs: static options such as ``axis``
    in_place: bool = False  # ``x += v``: on an array, NumPy changes x's array (see buffers.check_in_place)


@dataclass(frozen=True)
class Undef:
    """The value of a variable on a path that never assigned it (codegen prints a typed zero)."""

    def __repr__(self) -> str:
        return "undef"


UNDEF = Undef()


@dataclass(eq=False)
class Block:
    """A region: block arguments, statements (`Op`, `If`, `For`, `While`), yielded operands."""

    args: tuple = ()
    ops: list = field(default_factory=list)
    yields: tuple = ()


@dataclass(eq=False)
class If:
    """``results = then.yields if cond else orelse.yields`` (the φ at the join)."""

    cond: Any
    then: Block
    orelse: Block
    results: tuple
    loc: Loc | None = None


@dataclass(eq=False)
class For:
    """``for index in range(start, stop, step)`` over loop-carried values.

    ``body.args`` hold the carried values at the start of an iteration (`inits` on the
    first), ``body.yields`` their values at its end; `results` hold them after the loop.
    """

    index: Var
    start: Any
    stop: Any
    step: Any
    inits: tuple
    body: Block
    results: tuple
    loc: Loc | None = None


@dataclass(eq=False)
class While:
    """``while test: body`` over loop-carried values, as `For` but with a test region.

    `test` and `body` share the block arguments ``body.args``; ``test.yields`` is the
    one boolean condition. Values computed in `test` flow only into the condition.
    """

    inits: tuple
    test: Block
    body: Block
    results: tuple
    loc: Loc | None = None


Stmt = Op | If | For | While


def regions(stmt) -> tuple:
    """The blocks a statement owns, in program order."""
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, For):
        return (stmt.body,)
    if isinstance(stmt, While):
        return (stmt.test, stmt.body)
    return ()


def walk(block: Block):
    """Every statement of `block` and of the regions nested in it, in program order."""
    for stmt in block.ops:
        yield stmt
        for region in regions(stmt):
            yield from walk(region)


def ops_in(block: Block):
    """Every `Op` of `block` and of the regions nested in it, in program order."""
    return (stmt for stmt in walk(block) if isinstance(stmt, Op))


def defined_by(stmt) -> tuple:
    """The values a statement defines in the enclosing block."""
    return (stmt.result,) if isinstance(stmt, Op) else stmt.results


def operands(stmt) -> tuple:
    """The operands a statement reads from the enclosing scope (not its regions' own values)."""
    if isinstance(stmt, Op):
        return stmt.args + tuple(v for _, v in stmt.kwargs)
    if isinstance(stmt, If):
        return (stmt.cond,)
    if isinstance(stmt, For):
        return (stmt.start, stmt.stop, stmt.step, *stmt.inits)
    return stmt.inits


@dataclass(eq=False)
class Function:
    """A function in SSA form; ``body.yields`` holds the returned operand."""

    name: str
    params: tuple
    body: Block
    loc: Loc
    return_loc: Loc | None = None
    # (value, index, loc, message): reads of ``x[i]`` after a write into ``x``, wrong if ``x[i]``
    # is a view (a row), fine if an element or a copy; known once types are (see `buffers`).
    view_reads: tuple = ()
    # (value, loc, message): reads of ``a`` after ``a += v``, wrong if ``a`` is an array (`buffers`).
    in_place_reads: tuple = ()


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
UNARY_SYMBOLS = {operator.neg: "-", operator.pos: "+", operator.not_: "not ", operator.invert: "~"}


def qualified_name(fn: Any) -> str:
    """How generated code spells `fn`: ``math.sin``, ``np.exp``, ``abs``, or its name."""
    for prefix, module in (("math", math), ("np", np), ("np.linalg", np.linalg)):
        name = getattr(fn, "__name__", None)
        if name and vars(module).get(name) is fn:  # not getattr: np.str etc. warn
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
        expr = f"{qualified_name(op.fn)}({', '.join(args + [f'{k}={v!r}' for k, v in op.kwargs])})"
    typ = f": {types[op.result]}" if types and op.result in types else ""
    where = f"  # line {op.loc.line}" if op.loc else ""
    return f"{op.result.name}{typ} = {expr}{where}"


def format_block(block: Block, types: dict | None = None, indent: str = "  ") -> list:
    lines = []
    if block.args:
        lines.append(f"{indent}^({', '.join(map(repr, block.args))})")
    for stmt in block.ops:
        lines += format_stmt(stmt, types, indent)
    lines.append(f"{indent}yield {', '.join(map(repr, block.yields))}")
    return lines


def format_stmt(stmt, types: dict | None, indent: str) -> list:
    if isinstance(stmt, Op):
        return [indent + format_op(stmt, types)]
    names = ", ".join(r.name for r in stmt.results)
    head = f"{indent}{names} = " if names else indent
    inner = indent + "  "
    if isinstance(stmt, If):
        return [
            f"{head}if {stmt.cond!r}:",
            *format_block(stmt.then, types, inner),
            f"{indent}else:",
            *format_block(stmt.orelse, types, inner),
        ]
    inits = ", ".join(map(repr, stmt.inits))
    if isinstance(stmt, For):
        rng = f"range({stmt.start!r}, {stmt.stop!r}, {stmt.step!r})"
        return [f"{head}for {stmt.index!r} in {rng} from ({inits}):", *format_block(stmt.body, types, inner)]
    return [
        f"{head}while from ({inits}):",
        *format_block(stmt.test, types, inner),
        f"{indent}do:",
        *format_block(stmt.body, types, inner),
    ]


def format_function(func: Function, types: dict | None = None) -> str:
    """Deterministic text of a function, for dumps, docs and tests."""

    def param(p: Var) -> str:
        return f"{p.name}: {types[p]}" if types and p in types else p.name

    head = f"func {func.name}({', '.join(param(p) for p in func.params)}):"
    return "\n".join([head, *format_block(func.body, types)])


# ---------------------------------------------------------------- verifier


def verify(func: Function) -> Function:
    """Check the SSA invariants; raise SrcdiffError (an internal error) if broken.

    Every value is defined once, and used only where its definition is visible: in
    its own block after the definition, or in a region nested there.
    """
    defined: set = set()

    def check_use(operand, visible: set, where: Loc | None) -> None:
        if isinstance(operand, Var) and operand not in visible:
            raise SrcdiffError(f"internal error: {operand.name} used where it is not defined", where)

    def define(var: Var, visible: set, where: Loc | None) -> None:
        if var in defined:
            raise SrcdiffError(f"internal error: {var.name} defined twice", where)
        defined.add(var)
        visible.add(var)

    def walk(block: Block, visible: set) -> None:
        visible = set(visible)
        for arg in block.args:
            define(arg, visible, func.loc)
        for stmt in block.ops:
            for a in operands(stmt):
                check_use(a, visible, stmt.loc)
            if isinstance(stmt, For):
                define(stmt.index, set(), stmt.loc)
                walk(stmt.body, visible | {stmt.index})
            elif isinstance(stmt, While):
                walk(stmt.test, visible | set(stmt.body.args))
                walk(stmt.body, visible)
            else:
                for region in regions(stmt):
                    walk(region, visible)
            for var in defined_by(stmt):
                define(var, visible, stmt.loc)
        for y in block.yields:
            check_use(y, visible, func.loc)

    walk(Block(func.params), set())
    walk(func.body, set(func.params))
    return func
