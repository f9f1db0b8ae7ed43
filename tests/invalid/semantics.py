"""Valid Python that srcdiff cannot differentiate: wrong shape, unknown names, calls without rules."""

import math

import numpy as np

square_lambda = lambda t: t * t  # ERROR-LINE

_namespace: dict = {}
exec(compile("def no_source(t):\n    return t * t\n", "<generated>", "exec"), _namespace)
no_source = _namespace["no_source"]  # a Python function whose source cannot be read


def recursion_direct(x):
    return x * recursion_direct(x - 1.0)  # ERROR-LINE


def recursion_mutual_a(x):
    return x * recursion_mutual_b(x)


def recursion_mutual_b(x):
    return x + recursion_mutual_a(x - 1.0)  # ERROR-LINE: the call that closes the cycle


def calls_sorted(x):
    low, high = sorted((x, 2.0 * x))  # ERROR-LINE
    return low * high


def calls_lgamma(x):
    return math.lgamma(x)  # ERROR-LINE


def calls_gamma(x):
    y = x * math.gamma(x)  # ERROR-LINE
    return y


def max_of_one_value(x):
    return max(x)  # ERROR-LINE


def comb_of_int(x, n):
    return x * math.comb(n, 2)  # ERROR-LINE


def lgamma_of_int(x, n):
    """Fine: math.lgamma has no rule, but n is an int, so it needs none."""
    return x * math.lgamma(n) + math.gamma(4.0)


def returns_tuple(x):
    y = x * 2.0
    return x, y  # ERROR-LINE


def returns_list(x):
    return [x, x * 2.0]  # ERROR-LINE


WEIGHTS = np.array([1.0, 2.0, 3.0])


def module_level_array(x):
    return np.sum(WEIGHTS * x)  # ERROR-LINE


def matmul_of_floats(x):
    return x @ x  # ERROR-LINE


def returns_array(x):
    y = x * 2.0
    return y  # ERROR-LINE


def calls_cumsum(x):
    return np.sum(np.cumsum(x))  # ERROR-LINE


def write_into_parameter(x):
    x[0] = 1.0  # ERROR-LINE
    return np.sum(x)


def write_into_view(x):
    y = x * 2.0
    z = y[1:]
    z[0] = 1.0  # ERROR-LINE
    return np.sum(y)


def read_alias_after_write(x):
    a = x * 2.0
    b = a
    a[0] = 1.0
    return np.sum(b)  # ERROR-LINE


def write_through_index_array(x):
    y = np.zeros(3)
    y[np.array([0, 2])] = x[0]  # ERROR-LINE
    return np.sum(y)


def no_return(x):
    y = x * 2.0  # ERROR-LINE  # noqa: F841


def bare_return(x):
    y = x * 2.0  # noqa: F841
    return  # ERROR-LINE


def maybe_undefined(x):
    if x > 0.0:
        y = x * 2.0
    return x * y  # ERROR-LINE


def falls_off_the_end(x):
    if x > 0.0:  # ERROR-LINE
        return x


def for_else(x):
    for _ in range(3):  # ERROR-LINE
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def while_else(x):
    while x < 10.0:  # ERROR-LINE
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def range_of_float(x, n):
    for _ in range(n):  # ERROR-LINE
        x = x * 2.0
    return x


def range_step_zero(x):
    for _ in range(0, 5, 0):  # ERROR-LINE
        x = x * 2.0
    return x


def loop_over_tuple(x):
    for v in (1.0, 2.0):  # ERROR-LINE
        x = x * v
    return x


def name_not_defined(x):
    return x * undefined_scale  # ERROR-LINE  # noqa: F821


def used_before_assignment(x):
    y = x * scale  # ERROR-LINE  # noqa: F821
    scale = 2.0
    return y * scale


def helper_with_try(t):
    try:  # ERROR-LINE
        u = 1.0 / t
    except ZeroDivisionError:
        u = 0.0
    return u


def calls_helper_with_try(x):
    return x * helper_with_try(x)


def calls_lambda(x):
    return square_lambda(x)


def calls_no_source(x):
    return x * no_source(x)  # ERROR-LINE


def two_params(x, y):  # ERROR-LINE
    return x * y


def two_params_ratio(x, y):
    """Fine, but raises ZeroDivisionError at y == 0, as Python does."""
    return x / y


# fmt: off
def make_closure():
    def closure_with_column_0_comment(x):
# valid Python: a comment at column 0 inside an indented function
        return x * 2.0
    return closure_with_column_0_comment
# fmt: on


closure_with_column_0_comment = make_closure()  # fine: should differentiate
