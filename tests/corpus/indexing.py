"""Integer-array (gather) reads, whose adjoint scatters with repeated indices adding up, and
joining arrays with np.concatenate / np.stack, whose adjoint slices the cotangent apart."""

import math

import numpy as np

from . import case

rng = np.random.default_rng(20261125)


def vec(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape)


IDX = np.array([0, 2, 2, 4, 1, 2])  # repeated indices: their adjoints must add up

# ============================================================== gathers


@case(vec(5), IDX)
def gather_repeated(x, idx):
    return np.sum(x[idx] ** 2)


@case(vec(5, 3), IDX, vec(3))
def gather_rows_then_matvec(a, idx, w):
    return np.sum(np.tanh(a[idx] @ w))


@case(vec(5), IDX)
def gather_in_loop(x, idx):
    total = 0.0
    for k in range(idx.shape[0]):
        total += math.sin(x[idx[k]]) * x[idx[k]]
    return total


@case(vec(4), np.array([3, 0, 3]))
def gather_broadcast_against_array(x, idx):
    y = x[idx]
    return np.sum(y * np.array([1.0, 2.0, 3.0]) + y * y)


# ============================================================== concatenate and stack


@case(vec(4), vec(3))
def concatenate_vectors(a, b):
    c = np.concatenate((a, b))
    return np.sum(c * c * np.arange(7.0))


@case(vec(2, 3), vec(2, 2))
def concatenate_columns(a, b):
    c = np.concatenate((a, b, a), axis=1)
    return np.sum(c**3)


@case(vec(3), vec(3))
def stack_then_reduce_axis(a, b):
    s = np.stack((a, b * 2.0, a * b))
    return np.sum(np.sum(s, axis=0) ** 2) + np.sum(s[1] * s[2])


@case(vec(2, 3), vec(2, 3))
def stack_last_axis(a, b):
    d = np.stack((a, b), -1)
    return np.sum(d[:, :, 0] * d[:, :, 1]) + np.sum(np.sin(d))


# ============================================================== slices recomputed in a reverse loop


@case(vec(3, 4), 0.5)
def column_slices_in_loop(a, w):
    total = 0.0
    for j in range(a.shape[1]):
        total += np.sum(np.exp(a[:, j] * w))
    return total
