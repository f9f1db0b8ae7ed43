"""Straight-line scalar functions: operators, elementary functions, helpers, globals.

Every function takes scalar float/int parameters and returns a float. Inputs are
away from kinks (``abs`` at 0, ties in ``min``/``max``, jumps of ``//`` and ``%``)
and from domain edges (``log`` at 0, ``acos`` at ±1, ...).
"""

import math

import numpy as np

from . import _helpers, add, case

SCALE = 2.5
OFFSET = -0.75
GRAVITY = 9.81
COEFFS = (0.5, -1.25, 2.0, 0.75)  # read as separate constants below (no subscripts yet)
C0, C1, C2, C3 = COEFFS


# ============================================================== operators


@case(1.5, -0.25)
def op_add(x, y):
    return x + y


@case(1.5, -0.25)
def op_sub(x, y):
    return x - y


@case(1.5, -0.25)
def op_mul(x, y):
    return x * y


@case(1.5, -0.625)
def op_truediv(x, y):
    return x / y


@case(1.3, 2.7)
def op_pow_both(x, y):
    return x**y


@case(-1.7)
def op_pow_const_int_negative_base(x):
    return x**3


@case(0.8)
def op_pow_const_float(x):
    return x**0.5 + x**-1.5


@case(0.6)
def op_pow_const_base(x):
    return 2.0**x + math.e**x


@case(7.3, 2.1)
def op_floordiv(x, y):
    # x // y is piecewise constant: only the `x` term contributes.
    return x // y + x


@case(7.3, 2.1, label="positive")
@case(-7.3, 2.1, label="negative_x")
@case(7.3, -2.1, label="negative_y")
def op_mod(x, y):
    return x % y


@case(0.4)
def op_mod_const(x):
    return (3.0 * x) % 1.0 + x % 0.25


@case(0.7)
def op_neg(x):
    return -x * -x - (-x)


@case(0.7)
def op_pos(x):
    return +x * 2.0


@case(-1.2, 0.4)
def op_mixed_precedence(x, y):
    return x + y * x - x / y**2 + -y


# ============================================================== comparisons (zero derivative)


@case(1.1, label="positive")
@case(-1.1, label="negative")
def relu_comparison(x):
    return (x > 0) * x


@case(0.3, 1.4)
def comparisons_all(x, y):
    a = (x < y) * x
    b = (x <= y) * y
    c = (x > y) * (x * y)
    d = (x >= y) * 3.0
    e = (x == y) * x
    f = (x != y) * y * y
    return a + b + c + d + e + f


@case(0.9, -0.2)
def comparison_gates_only(x, y):
    # `y` only decides a gate: its gradient is 0.
    return (y < 0) * x * x + (y > 0) * x


# ============================================================== builtins abs / min / max


@case(-1.3, label="negative")
@case(0.8, label="positive")
def builtin_abs(x):
    return abs(x) * x


@case(0.4, 1.9)
def builtin_min2(x, y):
    return min(x, y) * y


@case(0.4, 1.9)
def builtin_max2(x, y):
    return max(x, y) * x


@case(0.4, 1.9, -0.6)
def builtin_min_max3(a, b, c):
    return max(a, b, c) * 2.0 + min(a, b, c) * 3.0 - max(c, a) * min(b, a)


@case(-0.8, 1.2, 0.3, 2.2)
def builtin_min_max4(a, b, c, d):
    return max(a, b, c, d) - min(a, b, c, d) + max(a, 0.0)


@case(1.7)
def builtin_pow_float(x):
    return pow(x, 3) + pow(2.0, x) + float(x)


# ============================================================== exponentials and logarithms


@case(0.35)
def fn_exp(x):
    return math.exp(x) + np.exp(2.0 * x)


@case(0.35)
def fn_exp2(x):
    return np.exp2(x)


@case(0.35)
def fn_expm1(x):
    return math.expm1(x) * np.expm1(-x)


@case(1.7)
def fn_log(x):
    return math.log(x) + np.log(x * x + 1.0)


@case(0.6)
def fn_log1p(x):
    return math.log1p(x) - np.log1p(x * x)


@case(3.3)
def fn_log2(x):
    return math.log2(x) + np.log2(2.0 * x)


@case(3.3)
def fn_log10(x):
    return math.log10(x) * np.log10(x + 5.0)


@case(0.3, -1.1)
def fn_logaddexp(x, y):
    return np.logaddexp(x, y)


# ============================================================== powers and roots


@case(2.3)
def fn_sqrt(x):
    return math.sqrt(x) + np.sqrt(x + 1.0)


@case(2.3, label="positive")
@case(-0.9, label="negative")
def fn_cbrt(x):
    return np.cbrt(x)


@case(-1.4)
def fn_square(x):
    return np.square(x) + x


@case(-1.4)
def fn_reciprocal(x):
    return np.reciprocal(x)


@case(1.6, 2.3)
def fn_math_pow(x, y):
    return math.pow(x, y) + math.pow(x, 2.0)


@case(1.6, 0.5)
def fn_np_power(x, y):
    return np.power(x, y) * np.power(y, 3.0)


@case(1.2, -0.7)
def fn_hypot(x, y):
    return math.hypot(x, y) + np.hypot(2.0 * x, y)


# ============================================================== trigonometric


@case(0.9)
def fn_sin_cos(x):
    return math.sin(x) * np.cos(x) + np.sin(2.0 * x) - math.cos(x)


@case(0.45)
def fn_tan(x):
    return math.tan(x) + np.tan(-x / 2.0)


@case(0.3)
def fn_asin_acos(x):
    return math.asin(x) * math.acos(x) + np.arcsin(x / 2.0) - np.arccos(-x)


@case(-1.8)
def fn_atan(x):
    return math.atan(x) + np.arctan(3.0 * x)


@case(0.6, -1.3, label="second_quadrant")
@case(-0.6, 1.3, label="fourth_quadrant")
def fn_atan2(y, x):
    return math.atan2(y, x) + np.arctan2(x, 2.0)


@case(0.7)
def fn_degrees_radians(x):
    a = math.degrees(x) + math.radians(x * x)
    return a + np.degrees(x) + np.deg2rad(x) + np.rad2deg(x) + np.radians(x)


# ============================================================== hyperbolic


@case(0.8)
def fn_sinh_cosh(x):
    return math.sinh(x) + np.cosh(x) * np.sinh(-x) - math.cosh(x)


@case(-0.55)
def fn_tanh(x):
    return math.tanh(x) + np.tanh(2.0 * x)


@case(1.9)
def fn_asinh_acosh(x):
    return math.asinh(x) + math.acosh(x) + np.arcsinh(-x) * np.arccosh(x + 1.0)


@case(0.35)
def fn_atanh(x):
    return math.atanh(x) + np.arctanh(-x)


# ============================================================== special


@case(0.42)
def fn_erf_erfc(x):
    return math.erf(x) + math.erfc(2.0 * x) * math.erf(-x)


@case(-1.3, 0.8, label="flips_sign")
@case(1.3, 0.8, label="keeps_sign")
def fn_copysign(x, y):
    # d/dy is zero away from y == 0.
    return math.copysign(x, y) + np.copysign(x * x, -y)


@case(1.6, -0.4)
def fn_np_abs_min_max(x, y):
    return np.abs(y) * np.fabs(x) + np.minimum(x, y) + np.maximum(x, y) + np.fmin(x, 2.0) - np.fmax(y, -1.0)


@case(0.7, -0.3)
def fn_np_negative_mod(x, y):
    return np.negative(x) * y + np.mod(x, 0.5)


# ============================================================== piecewise-constant functions inside


@case(2.7)
def nondiff_floor_ceil(x):
    # floor/ceil/trunc/round shift the value but not the slope.
    return x * math.floor(x) + math.ceil(x) + np.floor(x) * x - np.trunc(-x) + math.trunc(x)


@case(2.3)
def nondiff_int_round(x):
    return int(x) * x + round(x) + np.sign(x - 5.0) * x


# ============================================================== chains, DAGs, reuse


@case(0.3)
def reuse_double(a):
    b = a + a
    return b


@case(0.3, 1.2)
def reuse_dag(a, b):
    c = a * b
    d = c + a
    e = c * d
    f = e - c / (d * d + 1.0)
    return f + a * e


@case(1.1)
def reuse_self_product(x):
    return x * x * x - x * x + x


@case(0.9)
def reuse_same_value_both_operands(x):
    y = math.sin(x)
    return y * y + y / (y + 2.0) - y**2


@case(0.2)
def deep_chain(x):
    y = x
    y = math.sin(y) + y
    y = math.cos(y) * y
    y = math.tanh(y) + y * 0.5
    y = math.exp(y / 3.0)
    y = math.log(y + 1.0)
    y = math.sqrt(y * y + 1.0)
    y = math.atan(y) * 2.0
    y = y * y - y
    return y


@case(0.5, 0.25)
def cancellation(x, y):
    # y cancels exactly: its gradient is 0.
    return x * 2.0 + y - y


# ============================================================== assignment forms


@case(0.7)
def reassign_param(x):
    x = x * 2.0
    x = x + 1.0
    x = x * x
    return x


@case(1.3, 0.4)
def shadowing_names(x, y):
    t = x * y
    u = t + 1.0
    t = u * x  # `t` now names a different value
    u = t - y
    return t * u


@case(1.3, 0.4)
def augmented_all(x, y):
    s = x
    s += y
    s -= 0.5 * x
    s *= y + 1.0
    s /= x
    s **= 2
    p = x * 10.0
    p //= 3.0
    p += x
    q = x * 7.0
    q %= 2.0
    return s + p + q


@case(1.3, 0.4)
def augmented_on_param(x, y):
    x += y
    x *= x
    y -= x
    return x * y


@case(0.6, -1.7)
def tuple_swap(a, b):
    a, b = b, a
    return a * 2.0 + b * b


@case(0.6, 0.9)
def tuple_fibonacci(a, b):
    a, b = b, a + b
    a, b = b, a + b
    a, b = b, a * b
    return a + b


@case(0.6, 0.9, 1.4)
def tuple_rotate(a, b, c):
    a, b, c = b, c, a
    return a - 2.0 * b + 3.0 * c * a


@case(0.35)
def dead_code(x):
    unused = math.exp(x) * 100.0  # noqa: F841
    y = x * 3.0
    return y


@case(2.0)
def docstring_and_annotations(x: float, k: float = 1.5) -> float:
    """A docstring, annotations and a default: none of them changes the gradient."""
    y: float = x * k
    return y * x


# ============================================================== int parameters


@case(1.3, 3)
def int_param_power(x, n):
    return x**n


@case(1.3, 4, 0.5)
def int_param_mixed(x, n, y):
    m = n * 2 + 1
    return x * m + y / n - float(n) * x * y


@case(7.5, 2)
def int_param_floordiv_mod(x, n):
    return x // n + x % n + x / n


@case(0.7, 3)
def int_param_only_scales(x, n):
    return float(n) * math.sin(x)


# ============================================================== explicit wrt: subsets and order


@case(0.3, 0.7, 1.1, wrt=(2, 0), label="reversed")
@case(0.3, 0.7, 1.1, wrt=(1,), label="one")
@case(0.3, 0.7, 1.1, wrt=(2, 1, 0), label="all_reversed")
def wrt_subsets(x, y, z):
    return x * y * y + math.sin(z) * x


@case(-1.0, -2.0, 2.0, -3.0, -3.0, wrt=(0, 2, 4), label="weights_only")
def sigmoid_neuron_weights(x0, x1, w0, w1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


# ============================================================== outputs independent of inputs


@case(0.4, 2.2)
def ignores_second(x, y):
    return x * 3.0


@case(0.4, 2.2)
def ignores_first(x, y):
    return math.exp(y)


@case(0.4)
def constant_output(x):
    return 2.5


@case(0.4, 2.2)
def uses_only_ints_of(x, y):
    # Only piecewise-constant functions of y: zero gradient in y.
    return x * math.floor(y) + int(y)


# ============================================================== globals and closures


@case(0.8)
def global_constants(x):
    return SCALE * x + OFFSET - GRAVITY * x * x


@case(0.8)
def global_tuple_unpacked_constants(x):
    return C0 + x * (C1 + x * (C2 + x * C3))


@case(0.8)
def math_constants(x):
    return math.pi * x + math.e * math.sin(x) - np.pi * x * x + math.tau / x


def make_scaled(scale, shift):
    def scaled_affine(x):
        return scale * x * x + shift

    return scaled_affine


add(make_scaled(1.5, -0.5), 0.9)


def make_nested_closure(a):
    b = a * 2.0

    def closure_nested(x, y):
        return math.sin(a * x) + b * y * x

    return closure_nested


add(make_nested_closure(0.75), 0.4, -1.3)


# ============================================================== user-defined helpers


def times_five(x):
    return x * 5


def square_plus(x, c=1.0):
    return x * x + c


def scaled_sum(x, y, scale=2.0, shift=0.0):
    return scale * (x + y) + shift


def polar(r, theta):
    return r * math.cos(theta), r * math.sin(theta)


def affine_then_square(x, w, b):
    return square_plus(x * w + b, c=0.0)


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


@case(0.3)
def helper_nested_calls(x):
    return times_five(times_five(x)) + times_five(x * x)


@case(0.3, 1.1)
def helper_defaults_and_kwargs(x, y):
    a = square_plus(x)
    b = square_plus(y, 3.0)
    c = square_plus(x, c=y)
    d = scaled_sum(x, y)
    e = scaled_sum(x, y, shift=x * y)
    f = scaled_sum(y=x, x=y, scale=0.5)
    return a + b * c + d - e * f


@case(1.4, 0.6)
def helper_tuple_return(r, theta):
    u, v = polar(r, theta)
    return u * u + 2.0 * v - u * v


@case(0.4, -1.2, 0.3)
def helper_calling_helper(x, w, b):
    return affine_then_square(x, w, b) + affine_then_square(w, x, b=1.0)


@case(0.6)
def helper_same_local_names(x):
    # The helper's parameter is called `x` too, and called twice: names must not clash.
    c = 3.0
    y = square_plus(x, c)
    x = square_plus(y)
    return x * c + y


@case(-0.3, 0.8)
def helper_result_reused(x, y):
    s = sigmoid(x * y)
    return s * (1.0 - s) + s * s * x


@case(0.5)
def helper_other_module_globals(x):
    # The helper reads its own module's SCALE (10), not this module's (2.5).
    return _helpers.uses_scale(x) + SCALE * x + _helpers.default_scale(x)


@case(0.5)
def helper_caller_shadows_global(x):
    SCALE = x * 3.0  # a local named like the helper's global
    return _helpers.uses_scale(x) + SCALE


@case(0.5)
def helper_param_named_like_helper_global(SCALE):
    return _helpers.uses_scale(SCALE) * SCALE


@case(0.5)
def helper_caller_local_named_math(x):
    math = 2.0  # the helper's `math` is still the module
    return _helpers.uses_math(x) * math


@case(0.5)
def helper_closure_from_other_module(x):
    return _helpers.triple_square(x) + x


@case(0.5)
def helper_locals_do_not_leak(x):
    y = _helpers.leaks_locals(x)
    return y + x


@case(0.5)
def helper_deeply_nested(x):
    return times_five(times_five(times_five(times_five(x)))) / 625.0


# ============================================================== names srcdiff might generate itself


@case(0.7)
def names_like_adjoints(x):
    d_x = x * 3.0
    d_d_x = d_x * x
    return d_x * x + d_d_x


@case(0.7, 0.2)
def names_like_temporaries(a, b):
    max_1 = a * 2.0
    sin_1 = math.sin(a)
    return max(a, b) * max_1 + math.sin(b) * sin_1


@case(0.7)
def names_like_function(x):
    names_like_function = x * x
    return names_like_function + x


@case(0.7, 1.3)
def names_like_rule_parameters(g, ans):
    r2 = 5.0 * ans  # the atan2 rule has a temporary called r2
    return math.atan2(g, ans) * r2 + math.sin(g) * ans


# ============================================================== more assignment and type forms


@case(0.7)
def chain_assignment(x):
    a = b = x * 2.0
    return a * b


@case(0.5, 0.3, 0.2)
def nested_tuple_unpacking(a, b, c):
    (p, q), r = (a, b), c
    return p * q * r + q


@case(0.5)
def tuple_of_four_reversed(x):
    a, b, c, d = x, x * 2.0, x * 3.0, x * 4.0
    d, c, b, a = a, b, c, d
    return a - b * c + d


@case(0.7)
def variable_changes_type(x):
    y = x
    x = 2  # `x` becomes an int constant
    return y * x


@case(3.0)
def log_with_base(x):
    return math.log(x, 2.0) + math.log(x * x, 10)


@case(0.5, -7, 2)
def negative_int_floordiv_mod(x, n, m):
    return x * (n // m) + x * (n % m) + x * (n / m)


@case(0.7, -0.3)
def bool_arithmetic(x, y):
    return ((x > 0) + (y > 0)) * x + (x > y) / 2 * x + (x > 0) ** 2 * y + (y < 0) * 3 * x


@case(0.7, 0.4)
def bool_in_builtins(x, y):
    return abs(x > 0) * x + min(x > 0, y) + int(x > 0) * y + x ** (x > 0)


@case(0.7)
def negated_comparison(x):
    return -(x > 0) * x


@case(0.7)
def float_of_comparison(x):
    return float(x > 0) * x


# ============================================================== classic models


@case(2.0, -3.0, -1.0, -2.0, -3.0)
def sigmoid_neuron(w0, w1, x0, x1, w2):
    return 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))


@case(2.0, 0.0, -3.0, 1.0, 6.8813735870195432)
def tanh_neuron_math(x1, x2, w1, w2, b):
    n = x1 * w1 + x2 * w2 + b
    o = math.tanh(n)
    return o


@case(2.0, 0.0, -3.0, 1.0, 6.8813735870195432)
def tanh_neuron_exp_formula(x1, x2, w1, w2, b):
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    e = math.exp(2 * n)
    o = (e - 1) / (e + 1)
    return o


@case(0.7, label="positive")
@case(-2.3, label="negative")
def softplus(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


@case(0.2, 1.5, -0.4)
def logsumexp3(a, b, c):
    m = max(a, b, c)
    return m + math.log(math.exp(a - m) + math.exp(b - m) + math.exp(c - m))


@case(-1.2, 1.0)
def rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


@case(0.7)
def horner_polynomial(x):
    p = 3.0
    p = p * x - 2.0
    p = p * x + 0.5
    p = p * x + 1.0
    p = p * x - 4.0
    return p


@case(0.3, -0.8, 1.2)
def gaussian_log_density(x, mu, log_sigma):
    sigma = math.exp(log_sigma)
    z = (x - mu) / sigma
    return -0.5 * z * z - log_sigma - 0.5 * math.log(2.0 * math.pi)


@case(1.2, 0.7, 0.4)
def binary_cross_entropy(w, x, y):
    p = sigmoid(w * x)
    return -(y * math.log(p) + (1.0 - y) * math.log(1.0 - p))


@case(0.8, 0.3)
def huber_like_smooth(x, delta):
    return delta * delta * (math.sqrt(1.0 + (x / delta) ** 2) - 1.0)


@case(0.6, 1.1, 0.25)
def projectile_range(v, angle, h0):
    vx = v * math.cos(angle)
    vy = v * math.sin(angle)
    t = (vy + math.sqrt(vy * vy + 2.0 * GRAVITY * h0)) / GRAVITY
    return vx * t


@case(0.5, 1.2, 0.8, 2.0)
def two_layer_net(x, w1, w2, b):
    h1 = math.tanh(w1 * x + b)
    h2 = sigmoid(w2 * x - b)
    return h1 * w2 + h2 * w1 + softplus(h1 - h2)


@case(0.4, 0.9, 1.3)
def long_function(x, y, z):
    """About twenty lines mixing most of the supported forms."""
    a = x * y + z
    b = math.sin(a) * math.exp(-x * x)
    c = np.tanh(b + y) - math.log1p(z * z)
    a, b = b, a
    d = max(a, b, 0.1) + min(c, z)
    d += a * b
    e = square_plus(d, c=SCALE) / (1.0 + abs(c))
    f = math.hypot(e, y) + math.atan2(z, x + 2.0)
    g = (x > 0.0) * f + (x <= 0.0) * e
    h = times_five(g) - d // 1.0
    h -= math.sqrt(e * e + 1.0)
    k = h**2 / (1.0 + g * g)
    m = math.erf(k / 10.0) + math.cosh(y / 3.0)
    u, v = polar(m, z)
    n = u * v + math.pi * e
    n *= 0.5
    o = sigmoid(n - 3.0) + softplus(-n / 4.0)
    return o * k + n - f / (2.0 + e * e)
