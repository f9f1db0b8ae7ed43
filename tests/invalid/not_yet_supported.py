"""Array writes and keyword-only parameters: rejected today; their tests flip when support lands."""


def array_write(x):
    y = x * 2.0
    y[0] = 1.0  # ERROR-LINE
    return y.sum()


def keyword_only(x, *, scale=2.0):  # ERROR-LINE
    return x * scale
