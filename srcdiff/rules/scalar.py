"""Rules for elementary functions: ``math.*`` and their NumPy ufunc twins.

Each rule is registered for every spelling of the function (``math.exp``,
``np.exp``); bodies use ``np.*`` so the same rule serves scalars and arrays.
"""

import math

import numpy as np

from . import RuleSet

rules = RuleSet()

# ---------------------------------------------------------------- exponentials and logarithms


@rules.defvjp(math.exp, np.exp)
def exp(g, ans, x):
    return (g * ans,)


@rules.defvjp(np.exp2)
def exp2(g, ans, x):
    return (g * ans * np.log(2.0),)


@rules.defvjp(math.expm1, np.expm1)
def expm1(g, ans, x):
    return (g * (ans + 1.0),)


@rules.defvjp(math.log, np.log)
def log(g, ans, x):
    return (g / x,)


@rules.defvjp(math.log1p, np.log1p)
def log1p(g, ans, x):
    return (g / (1.0 + x),)


@rules.defvjp(math.log2, np.log2)
def log2(g, ans, x):
    return (g / (x * np.log(2.0)),)


@rules.defvjp(math.log10, np.log10)
def log10(g, ans, x):
    return (g / (x * np.log(10.0)),)


@rules.defvjp(np.logaddexp)
def logaddexp(g, ans, x, y):
    return (g * np.exp(x - ans), g * np.exp(y - ans))


# ---------------------------------------------------------------- powers and roots


@rules.defvjp(math.sqrt, np.sqrt)
def sqrt(g, ans, x):
    return (g * 0.5 / ans,)


@rules.defvjp(np.cbrt)
def cbrt(g, ans, x):
    return (g / (3.0 * ans * ans),)


@rules.defvjp(np.square)
def square(g, ans, x):
    return (g * 2.0 * x,)


@rules.defvjp(np.reciprocal)
def reciprocal(g, ans, x):
    return (-g * ans * ans,)


@rules.defvjp(math.pow)
def pow_(g, ans, x, y):
    return (g * y * x ** (y - 1.0), g * ans * np.log(x))


@rules.defvjp(math.hypot, np.hypot)
def hypot(g, ans, x, y):
    return (g * x / ans, g * y / ans)


# ---------------------------------------------------------------- trigonometric


@rules.defvjp(math.sin, np.sin)
def sin(g, ans, x):
    return (g * np.cos(x),)


@rules.defvjp(math.cos, np.cos)
def cos(g, ans, x):
    return (-g * np.sin(x),)


@rules.defvjp(math.tan, np.tan)
def tan(g, ans, x):
    return (g * (1.0 + ans * ans),)


@rules.defvjp(math.asin, np.arcsin)
def arcsin(g, ans, x):
    return (g / np.sqrt(1.0 - x * x),)


@rules.defvjp(math.acos, np.arccos)
def arccos(g, ans, x):
    return (-g / np.sqrt(1.0 - x * x),)


@rules.defvjp(math.atan, np.arctan)
def arctan(g, ans, x):
    return (g / (1.0 + x * x),)


@rules.defvjp(math.atan2, np.arctan2)
def arctan2(g, ans, y, x):
    r2 = x * x + y * y
    return (g * x / r2, -g * y / r2)


@rules.defvjp(math.degrees, np.degrees, np.rad2deg)
def degrees(g, ans, x):
    return (g * (180.0 / np.pi),)


@rules.defvjp(math.radians, np.radians, np.deg2rad)
def radians(g, ans, x):
    return (g * (np.pi / 180.0),)


# ---------------------------------------------------------------- hyperbolic


@rules.defvjp(math.sinh, np.sinh)
def sinh(g, ans, x):
    return (g * np.cosh(x),)


@rules.defvjp(math.cosh, np.cosh)
def cosh(g, ans, x):
    return (g * np.sinh(x),)


@rules.defvjp(math.tanh, np.tanh)
def tanh(g, ans, x):
    return (g * (1.0 - ans * ans),)


@rules.defvjp(math.asinh, np.arcsinh)
def arcsinh(g, ans, x):
    return (g / np.sqrt(x * x + 1.0),)


@rules.defvjp(math.acosh, np.arccosh)
def arccosh(g, ans, x):
    return (g / np.sqrt(x * x - 1.0),)


@rules.defvjp(math.atanh, np.arctanh)
def arctanh(g, ans, x):
    return (g / (1.0 - x * x),)


# ---------------------------------------------------------------- special functions


@rules.defvjp(math.erf)
def erf(g, ans, x):
    return (g * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x),)


@rules.defvjp(math.erfc)
def erfc(g, ans, x):
    return (-g * (2.0 / np.sqrt(np.pi)) * np.exp(-x * x),)


@rules.defvjp(math.copysign, np.copysign)
def copysign(g, ans, x, y):
    return (g * np.sign(x) * np.sign(ans), None)


# ---------------------------------------------------------------- not differentiable

rules.defnondiff(
    math.floor,
    math.ceil,
    math.trunc,
    np.floor,
    np.ceil,
    np.trunc,
    np.rint,
    np.round,
    np.sign,
    math.isnan,
    math.isinf,
    math.isfinite,
    np.isnan,
    np.isinf,
    np.isfinite,
)
