"""The types srcdiff specializes on, and the typing rules of the primitives.

A value is a `Scalar` (``float``, ``int``, ``bool``) or an `Array` (dtype and ndim;
shapes are run-time values). `result_type` gives the type of a primitive's result
from its arguments' types and its static keyword arguments (such as ``axis``).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ir, runtime
from .errors import SrcdiffError


@dataclass(frozen=True)
class Scalar:
    """A Python/NumPy scalar: ``float``, ``int`` or ``bool``."""

    kind: str

    def __str__(self) -> str:
        return self.kind


@dataclass(frozen=True)
class Array:
    """A NumPy array of `dtype` (``float64``, ``float32``, ``int64``, ``bool``) and `ndim` axes."""

    dtype: str
    ndim: int

    def __str__(self) -> str:
        return f"{self.dtype}[{', '.join(':' * self.ndim)}]"

    @property
    def kind(self) -> str:
        return "bool" if self.dtype == "bool" else "float" if self.dtype.startswith("float") else "int"


FLOAT, INT, BOOL = Scalar("float"), Scalar("int"), Scalar("bool")
Type = Scalar | Array
DTYPES = {"float64", "float32", "int64", "int32", "bool"}


def is_float(t) -> bool:
    """Whether values of type `t` can carry an adjoint."""
    return t is not None and t.kind == "float"


def type_of_value(value: Any) -> Type:
    """The srcdiff type of a run-time argument; SrcdiffError for what we don't take."""
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating)):
        return FLOAT
    if isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            raise SrcdiffError(f"arrays of dtype {value.dtype} are not supported (use float64 or float32)")
        if value.ndim == 0:
            raise SrcdiffError("a 0-d array is not supported: pass a number (float(x)) or a 1-d array")
        return Array(value.dtype.name, value.ndim)
    if isinstance(value, (list, tuple)):
        raise SrcdiffError(f"expected a number or a NumPy array, got a {type(value).__name__} (use np.array)")
    raise SrcdiffError(f"expected a float, int, bool or NumPy array argument, got {type(value).__name__}")


# ---------------------------------------------------------------- elementwise


def scalar_kind(kinds: list) -> str:
    for kind in ("float", "int", "bool"):
        if kind in kinds:
            return kind
    return "int"


def elementwise(arg_types: list, kind: str | None = None) -> Type:
    """The broadcast result of an elementwise op; `kind` forces the result kind (bool, float)."""
    arrays = [t for t in arg_types if isinstance(t, Array)]
    result_kind = kind or scalar_kind([t.kind for t in arg_types])
    if not arrays:
        return Scalar(result_kind)
    if result_kind == "bool":
        dtype = "bool"
    elif result_kind == "float":
        float_arrays = [a.dtype for a in arrays if a.kind == "float"]
        dtype = "float32" if float_arrays and set(float_arrays) == {"float32"} else "float64"
    else:
        dtype = "int64"
    return Array(dtype, max(a.ndim for a in arrays))


def with_kind(t: Type, kind: str) -> Type:
    if isinstance(t, Array):
        return Array(
            {"float": "float64", "int": "int64", "bool": "bool"}[kind] if t.kind != kind else t.dtype, t.ndim
        )
    return Scalar(kind)


# ---------------------------------------------------------------- tables

COMPARISONS = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne}
BOOL_RESULT = COMPARISONS | {
    operator.not_,
    operator.and_,
    bool,
    math.isnan,
    math.isinf,
    math.isfinite,
    np.isnan,
    np.isinf,
    np.isfinite,
    np.logical_not,
    np.logical_and,
    np.logical_or,
}
INT_RESULT = {int, math.floor, math.ceil, math.trunc, len, runtime.dim, runtime.ndim}
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
    np.abs,
    np.negative,
    np.maximum,
    np.minimum,
    np.fmax,
    np.fmin,
    np.square,
    np.sign,
    np.clip,
    np.where,
}
REDUCTIONS = {
    np.sum,
    np.mean,
    np.prod,
    np.max,
    np.min,
    np.amax,
    np.amin,
    runtime.max_along,  # np.max(x, axis=k) in the forms numba compiles (srcdiff.ssa)
    runtime.min_along,
    runtime.prod_along,
}


def result_type(fn: Any, arg_types: list, kwargs: dict | None = None) -> Type:
    """The type of ``fn(*args, **kwargs)``; kwargs hold static (constant) values."""
    kwargs = kwargs or {}
    if fn is operator.getitem:
        return index_type(arg_types, kwargs)
    if fn is runtime.store:
        return store_type(arg_types, kwargs)
    arg_types = [t or INT for t in arg_types]
    if fn is ir.COPY:
        return arg_types[0]
    if fn in REDUCTIONS:
        return reduction_type(fn, arg_types[0], kwargs)
    if fn in LINALG:
        return LINALG[fn](arg_types)
    if fn in SHAPES:
        return SHAPES[fn](arg_types, kwargs)
    if fn in BOOL_RESULT:
        return elementwise(arg_types, "bool")
    if fn in INT_RESULT or (fn is round and len(arg_types) == 1):
        if any(isinstance(t, Array) for t in arg_types) and fn not in (len, runtime.dim, runtime.ndim):
            raise SrcdiffError(f"{ir.qualified_name(fn)}() of an array: use np.floor or .astype")
        return INT
    if fn is np.where:
        return elementwise(arg_types[1:])
    if fn in PROMOTING:
        return elementwise(arg_types)
    if fn is operator.truediv or fn is float:
        return elementwise(arg_types, "float")
    if any(isinstance(t, Array) for t in arg_types) and getattr(fn, "__module__", None) == "math":
        raise SrcdiffError(f"{ir.qualified_name(fn)} takes scalars; use np.{fn.__name__} on arrays")
    return elementwise(arg_types, "float")


def reduction_type(fn, t: Type, kwargs: dict) -> Type:
    axis, keepdims = kwargs.get("axis"), kwargs.get("keepdims", False)
    check_axes(axis, t.ndim if isinstance(t, Array) else 0)
    if not isinstance(t, Array):
        return with_kind(t, "float") if fn is np.mean else t
    kind = "float" if fn is np.mean else t.kind
    if axis is None:
        return Array(with_kind(t, kind).dtype, t.ndim) if keepdims else Scalar(kind)
    ndim = t.ndim if keepdims else t.ndim - (len(axis) if isinstance(axis, tuple) else 1)
    return Array(with_kind(t, kind).dtype, ndim) if ndim else Scalar(kind)


def check_axes(axis, ndim: int) -> None:
    """SrcdiffError unless `axis` (None, an int or a tuple of ints) names axes of an `ndim`-d value."""
    for a in axis if isinstance(axis, tuple) else () if axis is None else (axis,):
        if not isinstance(a, int) or isinstance(a, bool):
            raise SrcdiffError(f"axis must be an integer, not {a!r}")
        if not -ndim <= a < ndim:
            what = "a scalar" if ndim == 0 else f"an array of {ndim} dimension{'s' * (ndim > 1)}"
            raise SrcdiffError(f"axis {a} is out of bounds for {what}")


def dot_type(arg_types: list) -> Type:
    a, b = arg_types[:2]
    ndim_a, ndim_b = (t.ndim if isinstance(t, Array) else 0 for t in (a, b))
    if 0 in (ndim_a, ndim_b):
        return elementwise([a, b])
    ndim = ndim_a + ndim_b - 2
    return Array(elementwise([a, b]).dtype, ndim) if ndim else Scalar(elementwise([a, b]).kind)


def matmul_type(arg_types: list) -> Type:
    """`@` and `np.matmul`, which, unlike `np.dot`, refuse scalars."""
    if not all(isinstance(t, Array) for t in arg_types[:2]):
        got = " and ".join(str(t) for t in arg_types[:2])
        raise SrcdiffError(
            f"'@' (matmul) needs arrays of at least one dimension; got {got} (use * for numbers)"
        )
    return dot_type(arg_types)


LINALG = {
    np.dot: dot_type,
    np.matmul: matmul_type,
    operator.matmul: matmul_type,
    np.inner: dot_type,
    np.outer: lambda ts: Array(elementwise(ts).dtype, 2),
    np.linalg.norm: lambda ts: FLOAT,
}


def index_type(arg_types: list, kwargs: dict) -> Type:
    """``x[index]``: `kwargs["pattern"]` says what each index entry is ("value", "slice", "none")."""
    t, operands = arg_types[0], iter(arg_types[1:])
    if not isinstance(t, Array):
        raise SrcdiffError(f"cannot index a {t}")
    pattern = kwargs.get("pattern") or ("value",) * (len(arg_types) - 1)
    ndim, used = t.ndim, 0
    for kind in pattern:
        if kind == "none":
            ndim += 1
            continue
        used += 1
        entry = next(operands)
        if kind == "slice":
            next(operands), next(operands)
        elif isinstance(entry, Array):
            if entry.ndim != 1 or entry.kind != "int":
                raise SrcdiffError("only 1-d integer arrays index arrays (no boolean masks yet)")
        elif entry is not None and entry.kind != "int" and entry.kind != "bool":
            raise SrcdiffError(f"array indices must be integers, not {entry}")
        else:
            ndim -= 1
    if used > t.ndim:
        raise SrcdiffError(f"too many indices ({used}) for a {t.ndim}-d array")
    return Array(t.dtype, ndim) if ndim else Scalar(t.kind)


def store_type(arg_types: list, kwargs: dict) -> Type:
    """``x[index] = value``: a new version of ``x``, if the value fits the place it is written to."""
    if any(isinstance(t, Array) for t in arg_types[1:-1]):
        raise SrcdiffError(
            "writing through an integer-array index (x[idx] = v) is not supported; write a loop"
        )
    place, value = index_type(arg_types[:-1], kwargs), arg_types[-1] or INT
    if isinstance(value, Array) and (not isinstance(place, Array) or value.ndim > place.ndim):
        target = f"a {place} part" if isinstance(place, Array) else "an element"
        raise SrcdiffError(f"cannot write a {value} into {target} of an array")
    if value.kind == "float" and place.kind != "float":
        raise SrcdiffError(
            f"writing a float into an array of {place.kind}s would truncate it; make the array float"
        )
    return arg_types[0]


def packed_lengths(kwargs: dict) -> tuple:
    return tuple(length for _, length in kwargs.get("packed", ()))


def shape_ndim(kwargs: dict) -> int:
    """The ndim a shape argument gives: its tuple's length, or 1 for a bare int."""
    lengths = packed_lengths(kwargs)
    return lengths[0] if lengths else 1


def creation_type(ts: list, kw: dict) -> Type:
    return Array("float64", shape_ndim(kw))


def reshape_type(ts: list, kw: dict) -> Type:
    return Array(ts[0].dtype, shape_ndim(kw))


def array_literal_type(ts: list, kw: dict) -> Type:
    """``np.array([a, b, ...])`` of scalars: a 1-d array of their common kind."""
    if any(isinstance(t, Array) for t in ts):
        raise SrcdiffError("np.array of arrays is not supported yet: use scalars")
    return Array({"float": "float64", "int": "int64", "bool": "bool"}[scalar_kind([t.kind for t in ts])], 1)


def asarray_type(ts: list, kw: dict) -> Type:
    """``np.asarray(x)``: `x` if it is an array, else a 0-d array of its kind."""
    return ts[0] if isinstance(ts[0], Array) else with_kind(Array("float64", 0), ts[0].kind)


def joined_type(ts: list, kw: dict, new_axes: int) -> Type:
    """``np.concatenate((a, b, ...), axis)`` (no new axis) or ``np.stack`` (one new axis)."""
    if not all(isinstance(t, Array) for t in ts) or len({t.ndim for t in ts}) != 1:
        raise SrcdiffError(
            "np.concatenate and np.stack join arrays of one ndim; got " + ", ".join(map(str, ts))
        )
    ndim = ts[0].ndim + new_axes
    if not -ndim <= kw.get("axis", 0) < ndim:
        raise SrcdiffError(f"axis {kw.get('axis')} is out of range for {ndim}-d arrays")
    return Array(elementwise(ts).dtype, ndim)


def arange_type(ts: list, kw: dict) -> Type:
    return Array("int64" if all(t == INT for t in ts) else "float64", 1)


SHAPES = {
    np.zeros: creation_type,
    np.ones: creation_type,
    np.empty: creation_type,
    np.full: creation_type,
    np.zeros_like: lambda ts, kw: Array(with_kind(ts[0], "float").dtype, ts[0].ndim),
    np.ones_like: lambda ts, kw: Array(with_kind(ts[0], "float").dtype, ts[0].ndim),
    np.empty_like: lambda ts, kw: ts[0],
    np.reshape: reshape_type,
    np.ravel: lambda ts, kw: Array(ts[0].dtype, 1),
    np.array: array_literal_type,
    np.concatenate: lambda ts, kw: joined_type(ts, kw, 0),
    np.stack: lambda ts, kw: joined_type(ts, kw, 1),
    np.arange: arange_type,
    np.linspace: lambda ts, kw: Array("float64", 1),
    operator.getitem: index_type,
    np.transpose: lambda ts, kw: ts[0],
    np.copy: lambda ts, kw: ts[0],
    np.size: lambda ts, kw: INT,
    np.expand_dims: lambda ts, kw: Array(ts[0].dtype, ts[0].ndim + 1),
    runtime.prod_others: lambda ts, kw: ts[0],
    np.asarray: asarray_type,
}
