"""Derivative rules `srcdiff.defvjp` must refuse, registered for `primal` so nothing real is affected."""

import math


def primal(t):
    return t


lambda_rule = lambda g, ans, x: (g,)  # ERROR-LINE

_namespace: dict = {}
exec(compile("def exec_rule(g, ans, x):\n    return (g,)\n", "<generated>", "exec"), _namespace)
exec_rule = _namespace["exec_rule"]

builtin_rule = math.sin


def too_few_params(g, x):  # ERROR-LINE
    return (g,)


def star_params(g, ans, *xs):  # ERROR-LINE
    return (g,)


def no_return(g, ans, x):  # ERROR-LINE
    d = g * x  # noqa: F841


def if_statement(g, ans, x):
    d = g
    if x > 0.0:  # ERROR-LINE
        d = -g
    return (d,)


def wrong_count(g, ans, x):
    return (g, g)  # ERROR-LINE
