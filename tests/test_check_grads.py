"""`srcdiff.testing.check_grads`, which users run on their own rules: right rules pass, wrong ones fail."""

import math

import numpy as np
import pytest

import srcdiff
from srcdiff.rules import RuleSet, RuleTable, builtin_table
from srcdiff.testing import check_grads


def scale(x, w):
    return x * w


def softplus(t):
    return math.log1p(math.exp(t))


def model(x, w, t):
    return np.sum(scale(x, w)) * softplus(t)


def table(scale_rule, softplus_rule) -> RuleTable:
    """The built-in rules plus rules for `scale` and `softplus`, private to a test."""
    rules = RuleSet()
    rules.defvjp(scale)(scale_rule)
    rules.defvjp(softplus)(softplus_rule)
    return RuleTable(*builtin_table().sets, rules)


def scale_vjp(g, ans, x, w):
    return (g * w, g * x)


def scale_vjp_wrong_in_one_entry(g, ans, x, w):
    return (g * w * np.array([1.0, 1.0, 1.0, 0.0]), g * x)


def softplus_vjp(g, ans, t):
    return (g / (1.0 + math.exp(-t)),)


def softplus_vjp_wrong_sign(g, ans, t):
    return (-g / (1.0 + math.exp(-t)),)


ARGS = (np.array([0.3, -1.2, 2.0, 0.7]), np.array([1.0, -2.0, 0.5, 3.0]), 0.4)


def test_right_rules_pass(backend):
    check_grads(model, ARGS, backend=backend, rules=table(scale_vjp, softplus_vjp))


@pytest.mark.parametrize(
    "rules",
    [(scale_vjp_wrong_in_one_entry, softplus_vjp), (scale_vjp, softplus_vjp_wrong_sign)],
    ids=["one_array_entry_wrong", "scalar_sign_wrong"],
)
def test_wrong_rules_fail(rules):
    with pytest.raises(AssertionError, match="disagrees with central differences"):
        check_grads(model, ARGS, rules=table(*rules))


def test_wrt_by_name_checks_only_that_argument():
    wrong_for_x = table(scale_vjp_wrong_in_one_entry, softplus_vjp)
    check_grads(model, ARGS, wrt=("w", "t"), rules=wrong_for_x)
    with pytest.raises(AssertionError):
        check_grads(model, ARGS, wrt="x", rules=wrong_for_x)


def test_float32_arrays_are_moved_in_float64():
    """A step of 1e-6 is below float32 resolution; the finite difference must not lose it."""
    x = np.array([0.3, -1.2, 2.0, 0.7], dtype=np.float32)
    check_grads(cubic, (x,), rtol=1e-5)


def cubic(x):
    return np.sum(x * x * x)


def test_no_float_argument_is_an_error():
    with pytest.raises(srcdiff.SrcdiffError, match="no float argument"):
        check_grads(cubic, (3,))


def mean_square(v):
    return np.mean(v * v)


def mean_square_vjp(g, ans, v):
    return (g * 2.0 * v / v.size,)


def uses_a_reducing_rule(x):
    return mean_square(x * 3.0) * 2.0 + np.sum(x)


def test_a_rule_for_a_reducing_function_is_typed_from_its_source(backend):
    """`mean_square` has a rule, so srcdiff does not differentiate through it, but reads it to
    type its result as a float (it once assumed an array, the type of its argument)."""
    rules = RuleSet()
    rules.defvjp(mean_square)(mean_square_vjp)
    table = RuleTable(*builtin_table().sets, rules)
    x = np.array([0.5, -1.0, 2.0])
    got = srcdiff.grad(uses_a_reducing_rule, backend=backend, rules=table)(x)
    np.testing.assert_allclose(got, 2.0 * 2.0 * 9.0 * x / 3 + 1.0, rtol=1e-12)
    check_grads(uses_a_reducing_rule, (x,), backend=backend, rules=table)
