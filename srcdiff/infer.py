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
    """The type of ``fn(*args)`` for scalar arguments of `arg_types`."""
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


def infer(func: ir.Function, param_types: list) -> Typed:
    """Type every value of `func` given its parameters' types."""
    types = dict(zip(func.params, param_types))

    def operand_type(a: ir.Operand) -> Type:
        return type_of_value(a.value) if isinstance(a, ir.Const) else types[a]

    for op in func.body.ops:
        types[op.result] = result_type(op.fn, [operand_type(a) for a in op.args])
    return Typed(func, types)
