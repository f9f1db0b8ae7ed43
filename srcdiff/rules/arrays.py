"""Rules for NumPy's array functions: reductions, linear algebra, shapes.

Elementwise operators and ufuncs need no rules of their own here: the scalar rules
apply elementwise, and the reverse pass sums a contribution back to a broadcast
input's shape. ``x[index]`` is not a rule either: its adjoint adds into ``d_x[index]``
in place (`srcdiff.reverse`). Options such as ``axis`` are keyword-only parameters,
constants when the rule is inlined, so its conditional expressions fold away.
"""

import operator

import numpy as np

from .. import runtime
from . import RuleSet

rules = RuleSet()


def ndims(*wanted):
    """A rule condition: the arguments have these numbers of axes (0 for scalars)."""
    return lambda *types: tuple(getattr(t, "ndim", 0) for t in types[: len(wanted)]) == wanted


def spread(g, x, axis, keepdims):
    """The adjoint `g` of a reduction of `x` over `axis`, broadcast back to `x`'s shape."""
    if axis is None and not keepdims:
        return np.full(np.shape(x), g)
    if keepdims or axis is None:
        return np.broadcast_to(g, np.shape(x))
    return np.broadcast_to(np.expand_dims(np.asarray(g), axis), np.shape(x))  # numba: g may be a number


# ---------------------------------------------------------------- reductions


@rules.defvjp(np.sum)
def sum_(g, ans, x, *, axis=None, keepdims=False):
    return (spread(g, x, axis, keepdims),)


@rules.defvjp(np.mean)
def mean(g, ans, x, *, axis=None, keepdims=False):
    count = np.size(x) if axis is None else np.shape(x)[axis]
    return (spread(g / count, x, axis, keepdims),)


@rules.defvjp(np.sum, np.mean, np.max, np.amax, np.min, np.amin, np.prod, when=ndims(0))
def reduce_number(g, ans, x):
    return (g,)


# The gradient of a maximum or minimum goes to the positions that attain it, shared
# equally among ties (as JAX does: three equal maxima get a third each). Over an axis,
# `srcdiff.ssa` lowers them to `runtime.max_along` and friends; a 1-d array reduced over
# its only axis gives a number, as without an axis.


@rules.defvjp(np.max, np.amax, np.min, np.amin, when=lambda x: getattr(x, "ndim", 0) > 0)
@rules.defvjp(runtime.max_along, runtime.min_along, when=ndims(1))
def extremum(g, ans, x):
    hits = x == ans
    return (g * hits / np.sum(hits),)


@rules.defvjp(runtime.max_along, runtime.min_along, when=lambda x: getattr(x, "ndim", 0) > 1)
def extremum_along(g, ans, x, *, axis=None):
    hits = x == np.expand_dims(ans, axis)
    return (np.expand_dims(g / np.sum(hits, axis=axis), axis) * hits,)


# The adjoint of a product is the product of the other factors: `runtime.prod_others`
# computes it from prefix and suffix products, right with zeros too (``g * ans / x`` is not).


@rules.defvjp(np.prod, when=lambda x: getattr(x, "ndim", 0) > 0)
@rules.defvjp(runtime.prod_along, when=ndims(1))
def prod(g, ans, x):
    return (g * np.reshape(runtime.prod_others(np.ravel(x), 0), np.shape(x)),)


@rules.defvjp(runtime.prod_along, when=lambda x: getattr(x, "ndim", 0) > 1)
def prod_along(g, ans, x, *, axis=None):
    return (np.expand_dims(g, axis) * runtime.prod_others(x, axis),)


rules.defnondiff(runtime.prod_others)  # a primitive for the rules above, not code to differentiate through


# ---------------------------------------------------------------- linear algebra


# The primal operands are taken as float64 (no copy for a float64 array): a float32 operand
# meets a float64 adjoint here, and numba's `@` and np.dot need one dtype.
rules.defnondiff(runtime.float64)


@rules.defvjp(np.dot, np.matmul, operator.matmul, np.inner, when=ndims(1, 1))
def dot_vv(g, ans, x, y):
    return (g * y, g * x)


@rules.defvjp(np.dot, np.matmul, operator.matmul, when=ndims(2, 1))
def dot_mv(g, ans, x, y):
    return (np.outer(g, y), runtime.float64(x).T @ g)


@rules.defvjp(np.dot, np.matmul, operator.matmul, when=ndims(1, 2))
def dot_vm(g, ans, x, y):
    return (runtime.float64(y) @ g, np.outer(x, g))


@rules.defvjp(np.dot, np.matmul, operator.matmul, when=ndims(2, 2))
def dot_mm(g, ans, x, y):
    return (g @ runtime.float64(y).T, runtime.float64(x).T @ g)


@rules.defvjp(np.outer)
def outer(g, ans, x, y):
    return (g @ runtime.float64(y), runtime.float64(x) @ g)


@rules.defvjp(np.linalg.norm, when=ndims(1))
def norm(g, ans, x):
    return (g * x / ans,)


# ---------------------------------------------------------------- elementwise with more than one array


@rules.defvjp(np.where)
def where(g, ans, c, x, y):
    return (None, g * (c != 0), g * (c == 0))


@rules.defvjp(np.clip)
def clip(g, ans, x, lo, hi):
    return (g * ((x >= lo) * (x <= hi)), g * (x < lo), g * (x > hi))


# ---------------------------------------------------------------- shapes


@rules.defvjp(np.transpose, when=lambda x: getattr(x, "ndim", 0) <= 2)
def transpose(g, ans, x):
    # C-ordered: numba's φ of an F and a C adjoint is 'A', and it cannot allocate -d for an 'A' d
    return (np.ascontiguousarray(np.transpose(g)),)


@rules.defvjp(np.copy, np.asarray)
def copy(g, ans, x):
    return (g,)


@rules.defvjp(np.reshape, np.ravel)
def reshape(g, ans, x):
    return (np.reshape(g, np.shape(x)),)


rules.defnondiff(np.shape, np.size, np.zeros_like, np.ones_like, np.empty_like, np.zeros, np.ones, np.empty)


@rules.defvjp(np.expand_dims)
def expand_dims(g, ans, x, axis):
    return (np.sum(g, axis=axis), None)
