"""Subscripts, keyword-only parameters, arrays: rejected today; their tests flip when support lands."""


def subscript(x):
    pair = (x, 2.0 * x)
    return pair[1]  # ERROR-LINE


def keyword_only(x, *, scale=2.0):  # ERROR-LINE
    return x * scale


def array_param(x, y):
    return x * y
