"""Keyword-only parameters: rejected today; their tests flip when support lands."""


def keyword_only(x, *, scale=2.0):  # ERROR-LINE
    return x * scale
