"""Helpers in a module of their own, with their own globals (not a corpus module: no cases).

Corpus functions call these to check that inlining keeps each function's names
(globals, defaults, closure cells) resolved in the function's own module.
"""

import math

SCALE = 10.0  # scalar.py has a SCALE of its own


def uses_scale(x):
    return SCALE * x


def uses_math(x):
    return math.sin(x)


def default_scale(x, s=SCALE):
    return s * x


def make_power(c):
    def power_closure(x):
        return c * x * x

    return power_closure


triple_square = make_power(3.0)


def leaks_locals(x):
    y = x * 100.0
    x = y + 1.0
    return x
