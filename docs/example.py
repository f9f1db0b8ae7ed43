"""The function docs/how_it_works.md follows through the pipeline."""

import math

SCALE = 0.5


def smooth_abs(x, eps):
    return math.sqrt(x * x + eps)


def loss(w, x, n):
    z = w * x
    z = z + smooth_abs(z, 1e-3) * SCALE
    k = math.floor(x) * n  # piecewise constant: carries no adjoint
    return math.log1p(z * z) + k
