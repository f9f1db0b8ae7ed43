"""Array functions: vectorized NumPy and the explicit-loop style numba users write.

Inputs are seeded random arrays of small shapes, away from kinks (maxima are
unique, logs and square roots see positive values).
"""

import math

import numpy as np

from . import case

rng = np.random.default_rng(20261123)


def vec(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape)


def pos(*shape):
    return rng.uniform(0.5, 2.0, shape)


A34, V4, V3, W3, M32 = vec(3, 4), vec(4), vec(3), vec(3), vec(3, 2)
LABELS = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
X63 = vec(6, 3)

# ============================================================== elementwise and broadcasting


@case(vec(5))
def sum_of_sin(x):
    return np.sum(np.sin(x) * x)


@case(vec(4), 1.5)
@case(vec(3, 4), vec(4), label="row_broadcast")
@case(vec(3, 4), vec(3, 1), label="column_broadcast")
@case(vec(1, 4), vec(3, 1), label="outer_broadcast")
def product_plus(x, y):
    return np.sum(x * y + 2.0 * x)


@case(pos(5))
def ufunc_chain(x):
    return np.sum(np.exp(-x) * np.log(x) + np.sqrt(x) - np.tanh(x) / (1.0 + np.square(x)))


@case(vec(2, 3), vec(3))
def subtract_divide(x, y):
    return np.sum((x - y) ** 2 / (1.0 + y * y))


@case(vec(6))
def arctan_sinh_cosh(x):
    return np.sum(np.arctan(x) + np.sinh(x) * np.cosh(x) + np.log1p(x * x) + np.expm1(x))


@case(vec(5), vec(5))
def maximum_minimum(x, y):
    return np.sum(np.maximum(x, y) * 2.0 + np.minimum(x, 0.3 * y))


@case(vec(6))
def where_clip(x):
    return np.sum(np.where(x > 0.0, x * x, -x) + np.clip(x, -0.5, 0.5))


@case(np.array([0.0, 2.0, -1.0, 0.0]), vec(4), wrt=(1,))
def where_of_a_float_condition(c, x):
    # a nonzero float is true: the adjoint once multiplied by c itself (and ~c failed)
    return np.sum(np.where(c, x * x, 3.0 * x))


@case(vec(5), 0.7)
def scalar_times_array(x, s):
    return np.sum(s * x) * s + np.sum(x / s)


@case(pos(4))
def power_of_array(x):
    return np.sum(x**2.5 + 3.0**x)


@case(vec(5))
def abs_and_sign(x):
    return np.sum(np.abs(x) * np.sign(x) + abs(x))


# ============================================================== reductions


@case(vec(3, 4))
def sum_over_axes(x):
    return np.sum(np.sum(x, axis=0) ** 2) + np.sum(np.sum(x, axis=1) ** 3)


@case(vec(3, 4))
def mean_over_axes(x):
    return np.mean(x) + np.sum(np.mean(x, axis=0) ** 2) + np.mean(x, axis=1)[0]


@case(vec(3, 4))
def keepdims_center(x):
    return np.sum((x - np.mean(x, axis=1, keepdims=True)) ** 2)


@case(vec(3, 4))
def method_forms(x):
    return x.sum() + (x * x).mean() + x.sum(axis=0).sum() * 0.5


@case(vec(7))
def max_and_min(x):
    return np.max(x) * 2.0 - np.min(x) + x.max()


@case(pos(5))
def product(x):
    return np.prod(x)


@case(vec(6))
def logsumexp_vectorized(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


@case(vec(6))
def softmax_cross_entropy(x):
    e = np.exp(x - np.max(x))
    p = e / np.sum(e)
    return -np.log(p[2])


@case(vec(5))
def norm_of_vector(x):
    return np.linalg.norm(x) + np.linalg.norm(2.0 * x + 1.0)


@case(vec(4))
def variance(x):
    mu = np.mean(x)
    return np.mean((x - mu) ** 2)


# ============================================================== linear algebra


@case(A34, V4)
def matrix_vector(A, v):
    return np.sum((A @ v) ** 2)


@case(V3, A34)
def vector_matrix(v, A):
    return np.sum(np.sin(v @ A))


@case(A34, vec(4, 2))
def matrix_matrix(A, B):
    return np.sum(np.tanh(A @ B))


@case(V4, vec(4))
def dot_inner(x, y):
    return np.dot(x, y) + np.inner(x, x) + x @ y


@case(V3, vec(2))
def outer_product(x, y):
    return np.sum(np.outer(x, y) ** 2)


@case(A34)
def transpose_forms(A):
    return np.sum(A.T @ A) + np.sum(np.transpose(A)[0] ** 2)


@case(A34, V4, V3)
def affine_layer(W, x, b):
    return np.sum(np.tanh(W @ x + b))


@case(vec(3), X63, LABELS)
def logistic_loss(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


@case(vec(4, 3), vec(4), vec(4), vec(3, 2))
def two_layer_mlp(W1, b1, W2, X):
    h = np.tanh(W1 @ X[:, 0] + b1)
    return np.sum(h * W2) ** 2


# ============================================================== indexing


@case(vec(5))
def element_reads(x):
    return x[0] * x[1] + x[-1] ** 2 - x[2] * x[0]


@case(vec(3, 4))
def two_index_reads(x):
    return x[0, 1] * x[2, 3] + x[1][2] - x[-1, -1]


@case(vec(8))
def slice_reads(x):
    return np.sum(x[1:-1] * x[:-2]) + np.sum(x[::2]) + np.sum(x[5:1:-1] ** 2)


@case(vec(3, 4))
def row_and_column_slices(x):
    return np.sum(x[1] * x[:, 2][0]) + np.sum(x[1:, ::2] ** 2) + np.sum(x[0, 1:3])


@case(vec(4))
def new_axis_broadcast(x):
    return np.sum(x[:, None] * x[None, :]) + np.sum(x[np.newaxis] ** 2)


@case(vec(3, 4))
def shape_reads(x):
    n, m = x.shape
    return np.sum(x) * n / m + x.shape[0] * x[0, 0] + len(x) * x[1, 1]


# ============================================================== explicit loops over arrays


@case(vec(8), 8)
def rosenbrock_loop(x, n):
    s = 0.0
    for i in range(n - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


@case(vec(6), vec(6))
def dot_loop(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * y[i]
    return s


@case(vec(3, 4))
def nested_loop_matrix(A):
    s = 0.0
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            s += math.sin(A[i, j]) * (i + 1) - A[i, j] * A[i, j] * j
    return s


@case(vec(7))
def logsumexp_loop(x):
    m = x[0]
    for i in range(1, x.shape[0]):
        if x[i] > m:
            m = x[i]
    s = 0.0
    for i in range(x.shape[0]):
        s += math.exp(x[i] - m)
    return m + math.log(s)


@case(vec(6), 0.4)
def horner_loop(coeffs, t):
    s = 0.0
    for i in range(coeffs.shape[0] - 1, -1, -1):
        s = s * t + coeffs[i]
    return s


@case(vec(6))
def running_max_loop(x):
    best = x[0]
    total = 0.0
    for i in range(len(x)):
        best = max(best, x[i])
        total += best * x[i]
    return total


@case(vec(5), 1.3)
def while_over_array(x, scale):
    i = 0
    s = 0.0
    while i < x.shape[0] and s < 50.0:
        s += scale * x[i] * x[i] + 1.0
        i += 1
    return s


@case(vec(4, 3), vec(3))
def loop_over_rows(A, w):
    s = 0.0
    for i in range(A.shape[0]):
        z = np.dot(A[i], w)
        s += np.log1p(math.exp(-z))
    return s


@case(vec(6))
def early_return_in_array_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
        if s > 100.0:
            return s
    return s * 0.5


@case(vec(5), vec(5))
def vector_ops_inside_loop(x, y):
    v = x
    for _ in range(3):
        v = np.tanh(v * y + 0.1)
    return np.sum(v)


# ============================================================== creation and shapes


@case(vec(6), 0.7)
def reshape_and_ravel(x, s):
    z = np.zeros((3, 2)) + x.reshape(3, 2) * s
    return np.sum(z**2) + np.sum(np.ravel(z)[:2]) + np.sum(np.reshape(x, (2, 3))[1])


@case(0.4, -1.1)
def array_literal(a, b):
    v = np.array([a, 2.0 * b, a * b, 1.0])
    return np.sum(v * v) + v[1] * v[2]


@case(vec(4), 0.6)
def full_and_ones(x, s):
    return np.sum(np.full((4,), s) * x + np.ones(4) * s * s) + np.sum(np.zeros_like(x) + x)


@case(vec(5))
def arange_and_linspace_weights(x):
    return np.sum(x * np.arange(5)) + np.sum(x * np.linspace(0.0, 1.0, 5))


@case(vec(3, 4))
def flatten_then_reduce(x):
    flat = x.ravel()
    return np.sum(flat[::3] ** 2) + np.max(flat) * np.min(x)


# ============================================================== reductions over an axis (issue 5)


@case(vec(3, 4))
def max_min_over_axes(x):
    return (
        np.sum(np.max(x, axis=0) ** 2)
        + np.sum(np.min(x, axis=1) * np.arange(3))
        + np.sum(np.amax(x, axis=-1))
        - np.sum(np.amin(x, axis=-2) ** 3)
    )


@case(vec(3, 4))
def method_reductions_over_axes(x):
    return x.max(axis=0) @ x.min(axis=0) + np.sum(x.prod(axis=1, keepdims=True) * x) + x.min(axis=-1)[1]


@case(vec(3, 4))
def softmax_rows(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * np.arange(4.0))


@case(vec(3, 4))
def logsumexp_rows(x):
    m = np.max(x, axis=1)
    return np.sum(m + np.log(np.sum(np.exp(x - m[:, None]), axis=1)))


@case(vec(8))
def max_pool_1d(x):
    return np.sum(np.max(x.reshape(4, 2), axis=1) ** 2)


@case(vec(3, 4))
def range_normalize_columns(x):
    lo, hi = np.min(x, axis=0, keepdims=True), np.max(x, axis=0, keepdims=True)
    return np.sum(((x - lo) / (hi - lo)) ** 2 * np.arange(1.0, 5.0))


@case(pos(3, 4))
def product_over_axes(x):
    return np.sum(np.prod(x, axis=0)) + np.sum(np.prod(x, axis=-1) ** 2)


@case(np.array([[0.7, 0.0, -1.2], [1.1, 0.4, 2.0]]), label="one_zero")
@case(np.array([[0.7, 0.0, 0.0], [1.1, 0.4, 2.0]]), label="two_zeros")
def product_with_zeros(x):
    return np.prod(x) * 3.0 + np.sum(np.prod(x, axis=1) * np.array([1.0, 2.0])) + np.sum(np.prod(x, axis=0))


@case(pos(3, 4))
def geometric_mean_rows(x):
    return np.sum(np.prod(x, axis=1) ** (1.0 / x.shape[1]))


@case(vec(2, 3, 2))
def reductions_of_3d(x):
    kept = np.min(x, axis=0, keepdims=True)
    return np.sum(np.max(x, axis=1) ** 2) + np.sum(np.prod(x, axis=-1)) + np.sum(kept * x)


@case(0.7)
def reductions_of_a_number(s):
    return np.max(s) * np.prod(s) + np.sum(s) ** 2 + np.mean(s) - np.amin(s)


@case(vec(3, 4))
def column_max_loop(x):
    s = 0.0
    for j in range(x.shape[1]):
        m = x[0, j]
        for i in range(1, x.shape[0]):
            m = max(m, x[i, j])
        s += m * m * (j + 1)
    return s


@case(vec(3, 4), vec(3))
def max_over_axis_in_loop(x, w):
    s = 0.0
    for i in range(len(w)):
        s += np.sum(np.max(x * w[i], axis=0) ** 2) + np.sum(np.min(x, axis=1, keepdims=True) * w[i])
    return s


@case(vec(3, 4))
def sum_over_axis_in_loop(x):
    s = 0.0
    for i in range(3):
        s += np.sum(np.sum(x * (i + 1.0), axis=0) ** 2)
    return s


@case(np.array([0.9, -1.3, 0.0, 0.5, 1.7]))
def product_loop_with_zero(x):
    p = 1.0
    for i in range(len(x)):
        p = p * x[i]
    return p + np.prod(x) * 2.0


@case(pos(3, 4))
def product_of_rows_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.prod(x[i]) * (i + 1)
    return s


@case(vec(3, 4), 3)
def center_rows_repeatedly(x, n):
    for _ in range(n):
        x = np.tanh(x - 0.5 * np.max(x, axis=1, keepdims=True))
    return np.sum(x * x)


# ============================================================== shapes and indexing forms (issue 5)


@case(vec(3, 4))
def ndim_and_size(x):
    return np.sum(x) * x.ndim + x.size * x[0, 0] + len(x) * x[-1, -1] + x.shape[-1] * x[1, 2]


@case(vec(6))
def reversed_slices(x):
    return np.sum(x[::-1] * x) + np.sum(x[::-2] ** 2) + x[::-1][0] * x[-2::-2][1]


@case(vec(3, 4))
def reversed_2d(x):
    return np.sum(x[::-1, ::-1] * x) + np.sum(x[:, ::-1][0] ** 2)


@case(vec(4, 5))
def strided_slices_2d(x):
    return np.sum(x[::2, 1::2] ** 2) + np.sum(x[1:-1, -2]) + np.sum(x[-1, ::-2] * x[0, :3])


@case(vec(4))
def arange_forms(x):
    return (
        np.sum(x * np.arange(4))
        + np.sum(x * np.arange(1, 9, 2))
        + np.sum(x * np.arange(0.0, 1.0, 0.25))
        + np.sum(x * np.arange(x.shape[0])[::-1])
    )


@case(vec(3, 4))
def linspace_forms(x):
    return np.sum(x * np.linspace(-1.0, 1.0, x.shape[1])) + np.sum(np.linspace(0.0, 2.0, 3) @ x)


@case(vec(3, 2))
def expand_by_indexing_2d(x):
    return np.sum(x[:, None, :] * x[None, :, :]) + np.sum(x[np.newaxis, :, 1] * x[:, 0, np.newaxis])


@case(vec(3, 4))
def chained_index_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            s += x[i][j] * x[-1 - i][j] + x[i][-1 - j]
    return s


@case(vec(5))
def negative_index_loop(x):
    s = 0.0
    n = len(x)
    for i in range(1, n + 1):
        s += x[-i] * i * x[n - i]
    return s


@case(vec(5))
def reversed_in_loop(x):
    y = x[::-1]
    s = 0.0
    for i in range(len(y)):
        s += y[i] * x[i] ** 2
    return s


@case(
    vec(3, 4),
    bug="record='all' tapes x[: i + 1, 0], whose shape changes every iteration: a rectangular "
    "array tape cannot hold it (storing raises, or with an older push_array drops earlier values)",
    bug_records=("all",),
    bug_checks=("check_grads",),
    bug_skip=("numba",),
)
def slices_in_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.sum(x[i, ::-1] * np.arange(x.shape[1])) + np.sum(x[i, 1:-1] ** 2) + np.sum(x[: i + 1, 0])
    return s


@case(vec(3, 4))
def reductions_with_positional_axis(x):
    return np.sum(np.max(x, 0) ** 2) + np.sum(np.sum(x, 1) * np.mean(x, -1))


@case(vec(4), 0.1, 3)
def euler_steps_of_an_array(u, dt, n):
    # `u = u + ...` in a loop was printed `u_1 += ...`: with u_1 = u, that wrote into the argument
    for _ in range(n):
        u = u + dt * (np.sin(u) - 0.5 * u)
    return np.sum(u * np.array([1.0, -2.0, 0.5, 3.0]))


@case(0.3, vec(3))
@case(0.9, vec(3), label="clipped")
def clip_of_a_float(w, x):
    # numba's np.clip takes arrays only: a float's clip is printed min(max(w, lo), hi)
    return np.clip(w, -0.5, 0.5) * np.sum(x) + np.clip(w * 3.0, -0.5, 0.5)


@case(vec(4).astype(np.float32), 0.29, 3, rtol=2e-3, atol=1e-4)
def float32_array_with_floats_in_a_loop(x, w, n):
    # numba promotes float32 array * float to float64, NumPy keeps float32: the tape of
    # np.tanh(b) was allocated float32 and grown float64 (codegen now writes np.float32(w))
    b = x * 1.0
    s = 0.0
    for i in range(n):
        b[i] += 0.3 * math.tanh(w)
        t = np.tanh(b)
        s = s + np.sum(t * b) * w
    return s + np.sum(w + b)


@case(vec(3, 1))
def transposed_adjoint_meets_loop_adjoint(x):
    # numba: the adjoint of np.transpose was F-ordered, the loop's C-ordered, their join 'A',
    # and numba cannot allocate the result of -d for an 'A' d (found by the long fuzz run)
    for _ in range(2):
        x = x - 0.09 * x * x
    v = np.sin(x)
    for _ in range(2):
        v = v - 0.17 * v * v
    return np.sum(np.sin(np.transpose(v)))


@case(vec(3).astype(np.float32), vec(3), rtol=2e-3, atol=1e-4)
def float32_state_into_float64_buffers(x, y):
    # numba keeps one dtype per variable: b holds float32, then float64 arrays; the adjoint of
    # a float32 copy was float32 (np.zeros_like), the loop's float64 (found by the long fuzz run)
    b = x.copy()
    for t in range(2):
        new = np.zeros(3)
        for i in range(1, 3):
            new[i] = 0.5 * new[i - 1] + np.sin(b[i]) * y[i]
        b = new
    for _ in range(3):
        x = x * 0.81 + np.tanh(x) * -0.04
    c = np.copy(x)
    for i in range(3):
        c[i] = c[i] * y[i]
    return np.sum(np.sin(b)) + np.sum(np.tanh(c) * c)
