"""`srcdiff.vjp`: vector-Jacobian products of functions whose output is an array.

Each function is checked on both backends against central differences of
``np.sum(cotangent * f(x))`` (the scalar whose gradient a vjp is), for a random cotangent.
Scalar outputs are checked over the whole corpus in tests/test_corpus.py.
"""

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcdiffError

RNG = np.random.default_rng(5)


def softmax(x, w):
    e = np.exp(x * w - np.max(x * w))
    return e / np.sum(e)


def smooth(a):
    out = np.zeros_like(a)
    for i in range(a.shape[0]):
        out[i] = 0.5 * a[i] + 0.25 * np.tanh(a[i - 1])
    return out


def matvec(A, x):
    return np.tanh(A @ x)


def outer_broadcast(x, y):
    return x[:, None] * np.sin(y)[None, :] + 1.0


def column_means(A):
    return np.mean(A * A, axis=0)


def running_max(x):
    out = x * 1.0
    for i in range(1, x.shape[0]):
        out[i] = max(out[i - 1], x[i])
    return out


def euler_steps(u, dt, n):
    for _ in range(n):
        u = u + dt * (np.sin(u) - 0.5 * u)
    return u


CASES = [
    (softmax, (RNG.normal(size=5), 0.7), (0, 1)),
    (smooth, (RNG.normal(size=6),), (0,)),
    (matvec, (RNG.normal(size=(3, 4)), RNG.normal(size=4)), (0, 1)),
    (outer_broadcast, (RNG.normal(size=3), RNG.normal(size=4)), (0, 1)),
    (column_means, (RNG.normal(size=(4, 3)),), (0,)),
    (running_max, (np.array([0.3, -1.0, 0.9, 0.5, 1.7]),), (0,)),
    (euler_steps, (RNG.normal(size=4), 0.1, 5), (0, 1)),
]


def central_vjp(fn, args, i, cotangent, h=1e-6):
    """The gradient of sum(cotangent * fn(*args)) with respect to args[i], by central differences."""
    x = np.asarray(args[i], dtype=np.float64)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        sides = []
        for step in (h, -h):
            moved = x.copy()
            moved[k] += step
            shifted = list(args)
            shifted[i] = moved if x.ndim else float(moved)
            sides.append(np.sum(cotangent * fn(*shifted)))
        out[k] = (sides[0] - sides[1]) / (2 * h)
    return out


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_vjp_matches_central_differences(fn, args, wrt, backend):
    expected = fn(*args)
    cotangent = RNG.normal(size=np.shape(expected))
    value, grads = srcdiff.vjp(fn, wrt=wrt, backend=backend)(*args, cotangent)
    np.testing.assert_allclose(value, expected, rtol=1e-13)
    for i, got in zip(wrt, grads):
        assert np.shape(got) == np.shape(args[i])
        np.testing.assert_allclose(got, central_vjp(fn, args, i, cotangent), rtol=1e-6, atol=1e-8)


def test_the_cotangent_is_not_modified_and_may_be_any_float_layout(backend):
    x = RNG.normal(size=6)
    cotangent = np.asfortranarray(RNG.normal(size=(6, 2)))[:, 0]  # strided
    kept = cotangent.copy()
    value, grad = srcdiff.vjp(smooth, backend=backend)(x, cotangent)
    np.testing.assert_array_equal(cotangent, kept)
    np.testing.assert_allclose(grad, central_vjp(smooth, (x,), 0, kept), rtol=1e-6, atol=1e-8)
    value32, grad32 = srcdiff.vjp(smooth, backend=backend)(x.astype(np.float32), kept.astype(np.float32))
    assert grad32.dtype == np.float32


@pytest.mark.parametrize(
    "cotangent, message",
    [
        (np.ones(4), r"shape \(4,\) differs from the shape of smooth's output"),
        (np.ones((6, 1)), r"float array shaped like the output \(1-d\); got a 2-d float64 array"),
        (np.ones(6, dtype=np.int64), "got a 1-d int64 array"),
        ([1.0] * 6, "got a list"),
        (1.0, "got a float"),
    ],
    ids=["short", "2-d", "ints", "list", "number"],
)
def test_a_wrong_cotangent_is_a_clear_error(cotangent, message, backend):
    with pytest.raises(SrcdiffError, match=message) as info:
        srcdiff.vjp(smooth, backend=backend)(np.ones(6), cotangent)
    assert info.value.loc is not None and info.value.loc.file.endswith("test_vjp.py")


def scalar_output(x, y):
    return np.sum(x * x) * y


def test_a_float_output_takes_a_number():
    x = np.array([1.0, 2.0])
    value, (dx, dy) = srcdiff.vjp(scalar_output, wrt=(0, 1), backend="python")(x, 3.0, 0.5)
    assert value == 15.0 and dy == 2.5
    np.testing.assert_allclose(dx, 0.5 * 2.0 * 3.0 * x)
    with pytest.raises(SrcdiffError, match="must be a number; got ndarray"):
        srcdiff.vjp(scalar_output, backend="python")(x, 3.0, np.ones(1))
    with pytest.raises(SrcdiffError, match="takes its arguments, then a cotangent"):
        srcdiff.vjp(scalar_output, backend="python")()


def int_array_output(x):
    return (x > 0.0) * 1


def test_an_int_array_output_is_refused():
    with pytest.raises(SrcdiffError, match="returns an array of int64; vjp needs a float output"):
        srcdiff.vjp(int_array_output, backend="python")(np.ones(3), np.ones(3))


def test_vjp_source_reads_the_cotangent_and_checks_its_shape():
    transformed = srcdiff.vjp(smooth, backend="python")
    transformed(np.ones(3), np.ones(3))
    source = transformed.source
    assert "def smooth_vjp(a, d_out):" in source
    assert "if np.shape(d_out) != np.shape(out):" in source and "d_out = np.copy(d_out)" in source
    assert repr(transformed).startswith("<srcdiff.vjp of smooth")
