"""Array rules on shape combinations, both backends, against central differences.

Elementwise binary operators are checked on every pair of shapes from
scalar, (2,), (3, 2), (1, 2) and (3, 1) that NumPy broadcasts; every rule of
`srcdiff.rules.arrays` has at least one case here (`test_every_array_rule_is_exercised`).
"""

import itertools
import operator

import numpy as np
import pytest

import srcdiff
from srcdiff.rules import arrays
from srcdiff.testing import check_grads

SHAPES = [(), (2,), (3, 2), (1, 2), (3, 1)]
PAIRS = [(a, b) for a, b in itertools.product(SHAPES, SHAPES) if (a, b) != ((), ())]


def sample(shape, seed, low=0.5, high=1.5):
    rng = np.random.default_rng(seed)
    return float(rng.uniform(low, high)) if shape == () else rng.uniform(low, high, shape)


def add(x, y):
    return np.sum(np.sin(x + y))


def sub(x, y):
    return np.sum(np.sin(x - y))


def mul(x, y):
    return np.sum(np.sin(x * y))


def div(x, y):
    return np.sum(np.sin(x / y))


def power(x, y):
    return np.sum(x**y)


def maximum(x, y):
    return np.sum(np.maximum(x, y + 0.05) * x)


def arctan2(x, y):
    return np.sum(np.arctan2(x, y))


def hypot(x, y):
    return np.sum(np.hypot(x, y))


BINARY = [add, sub, mul, div, power, maximum, arctan2, hypot]


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
def test_binary_broadcasting(fn, shapes, backend):
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        pytest.skip("shapes do not broadcast")
    args = (sample(shapes[0], 1), sample(shapes[1], 2))
    check_grads(fn, args, backend=backend)
    grads = srcdiff.grad(fn, wrt=(0, 1), backend=backend)(*args)
    assert [np.shape(g) for g in grads] == [np.shape(a) for a in args]


def sum_axis0(x):
    return np.sum(np.sum(x, axis=0) ** 2)


def sum_axis1_keepdims(x):
    return np.sum(x * np.sum(x, axis=1, keepdims=True))


def mean_all_and_axis(x):
    return np.mean(x) ** 2 + np.sum(np.mean(x, axis=1) ** 3)


def extremes(x):
    return np.max(x) * np.min(x) + np.amax(x) - np.amin(x)


def product(x):
    return np.prod(x)


def dot_vv(x, y):
    return np.dot(x[0], y[:, 0]) * np.inner(x[1], x[1])


def matmul_mm(x, y):
    return np.sum(np.sin(x @ y))


def matmul_mv(x, y):
    return np.sum(np.sin(x @ y[:, 0]) + np.matmul(x, y[:, 1]) ** 2)


def matmul_vm(x, y):
    return np.sum(np.sin(x[0] @ y.T)) + np.sum(np.dot(y[0], x.T) ** 2)


def outer(x, y):
    return np.sum(np.outer(x[0], y[1]) ** 2)


def norm(x):
    return np.linalg.norm(x[0] * 2.0)


def where_clip(x):
    return np.sum(np.where(x > 1.0, x * x, 3.0 * x) + np.clip(x, 0.8, 1.2) * x)


def transpose_copy(x):
    return np.sum(np.transpose(x) @ np.copy(x)) + np.sum(x.T[0])


def reshape_ravel_and_creation(x):
    z = np.reshape(x, (2, 3)) + np.zeros((2, 3)) + np.ones((2, 3)) * np.empty_like(x).size
    return np.sum(np.ravel(z) ** 2) + np.sum(x[:2]) * np.empty((2,)).size


MATRIX_CASES = {
    sum_axis0: ((3, 2),),
    sum_axis1_keepdims: ((3, 2),),
    mean_all_and_axis: ((3, 2),),
    extremes: ((3, 2),),
    product: ((5,),),
    dot_vv: ((3, 3), (3, 3)),
    matmul_mm: ((3, 2), (2, 4)),
    matmul_mv: ((3, 2), (2, 2)),
    matmul_vm: ((3, 2), (4, 2)),
    outer: ((2, 3), (2, 4)),
    norm: ((2, 3),),
    where_clip: ((3, 2),),
    transpose_copy: ((3, 2),),
    reshape_ravel_and_creation: ((6,),),
}


@pytest.mark.parametrize("fn", list(MATRIX_CASES), ids=lambda f: f.__name__)
def test_reductions_and_linear_algebra(fn, backend):
    shapes = MATRIX_CASES[fn]
    rng = np.random.default_rng(7)
    args = tuple(rng.uniform(0.5, 1.5, s) for s in shapes)
    if fn is extremes:  # unique extremes: keep finite differences off the ties
        args = (np.arange(6.0).reshape(3, 2) * 0.37 + 0.1,)
    check_grads(fn, args, backend=backend)


def test_every_array_rule_is_exercised():
    source = open(__file__).read()
    spelled = {
        operator.matmul: "@",
        np.amax: "np.amax",
        np.amin: "np.amin",
        np.expand_dims: "keepdims=True",
        np.linalg.norm: "np.linalg.norm",
        np.shape: ".shape",
        np.size: "np.mean(x)",
        np.zeros_like: "",
        np.ones_like: "",
    }
    for primal in arrays.rules.entries:
        text = spelled.get(primal, f"np.{getattr(primal, '__name__', '')}")
        assert text in source, f"no test exercises the array rule for {primal}"
