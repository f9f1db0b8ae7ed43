"""Rules for Python's operators and numeric builtins (``+``, ``*``, ``abs``, ``min``, ...)."""

import operator

import numpy as np

from .. import runtime
from . import RuleSet

rules = RuleSet()

# ---------------------------------------------------------------- binary operators


@rules.defvjp(operator.add)
def add(g, ans, x, y):
    return (g, g)


@rules.defvjp(operator.sub)
def sub(g, ans, x, y):
    return (g, -g)


@rules.defvjp(operator.mul)
def mul(g, ans, x, y):
    return (g * y, g * x)


@rules.defvjp(operator.truediv)
def truediv(g, ans, x, y):
    return (g / y, -g * ans / y)


@rules.defvjp(operator.pow, pow, np.power)
def power(g, ans, x, y):
    return (g * y * x ** (y - 1), g * ans * np.log(x))


@rules.defvjp(operator.mod, np.mod)
def mod(g, ans, x, y):
    return (g, -g * (x // y))


# ---------------------------------------------------------------- unary operators and builtins


@rules.defvjp(operator.neg, np.negative)
def neg(g, ans, x):
    return (-g,)


@rules.defvjp(operator.pos, float)
def pos(g, ans, x):
    return (g,)


@rules.defvjp(abs, np.abs, np.fabs)
def absolute(g, ans, x):
    return (g * np.sign(x),)


@rules.defvjp(min, np.minimum, np.fmin)
def minimum(g, ans, x, y):
    return (g * (x <= y), g * (x > y))


@rules.defvjp(max, np.maximum, np.fmax)
def maximum(g, ans, x, y):
    return (g * (x >= y), g * (x < y))


# ---------------------------------------------------------------- not differentiable

rules.defnondiff(
    runtime.dim,
    runtime.ndim,
    len,
    operator.invert,
    operator.is_,
    operator.is_not,
    operator.floordiv,
    np.floor_divide,
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
    operator.eq,
    operator.ne,
    operator.not_,
    int,
    round,
    bool,
)
