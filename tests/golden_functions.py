"""Functions whose generated source is pinned byte for byte in tests/golden/."""

import math

import numpy as np

SCALE = 2.5


def seed_product(x, y, z):
    q = x + y
    return q * z


def neuron(w0, x0, w1, x1, w2):
    return 1 / (1 + math.exp(-(w0 * x0 + w1 * x1 + w2)))


def reuse(a):
    b = a + a
    return b * a


def helper(u, v=2.0):
    return u * v, u + v


def calls_and_constants(x, y, n):
    p, s = helper(x, v=y)
    p = p * SCALE + np.tanh(s) ** n
    p += min(x, y)
    return math.log(p)


def for_loop(a, b, x, n):
    for i in range(n):
        x = x + 0.01 * (a * math.sin(x) - b * x * x)
    return x


def while_loop(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def if_in_loop(x, n):
    s = 0.0
    for i in range(1, n, 2):
        if s < 1.0:
            s = s + x * i
        else:
            s = s * math.exp(-x)
    return s
