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
from srcdiff import runtime
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


def power_function(x, y):
    return np.sum(np.power(x, y) * x)


def maximum(x, y):
    return np.sum(np.maximum(x, y + 0.05) * x)


def minimum(x, y):
    return np.sum(np.minimum(x, y - 0.05) * y)


def arctan2(x, y):
    return np.sum(np.arctan2(x, y))


def hypot(x, y):
    return np.sum(np.hypot(x, y))


BINARY = [add, sub, mul, div, power, power_function, maximum, minimum, arctan2, hypot]


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


def sign(x):
    return np.sum(np.sign(x - 1.0) * x)


def square(x):
    return np.sum(np.square(x) * x)


def log1p(x):
    return np.sum(np.log1p(x) * x)


def expm1(x):
    return np.sum(np.expm1(x) * x)


def arctan(x):
    return np.sum(np.arctan(x) * x)


def sinh(x):
    return np.sum(np.sinh(x) * x)


def cosh(x):
    return np.sum(np.cosh(x) * x)


def tan(x):
    return np.sum(np.tan(x) * x)


UNARY = [sign, square, log1p, expm1, arctan, sinh, cosh, tan]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", UNARY, ids=lambda f: f.__name__)
def test_unary_ufuncs(fn, shape, backend):
    x = sample(shape, 3)
    check_grads(fn, (x,), backend=backend)
    assert np.shape(srcdiff.grad(fn, backend=backend)(x)) == np.shape(x)


# ---------------------------------------------------------------- reductions with axis= and keepdims=

REDUCERS = [np.sum, np.mean, np.max, np.min, np.prod]
REDUCTION_SHAPES = [*SHAPES, (2, 3, 2)]


def reductions_of(reduce, ndim):
    """A function using every form of `reduce` an `ndim`-d argument allows: the whole array,
    axis 0, the last axis (negative) and a middle one, with and without keepdims, each
    through a different nonlinearity so that one wrong adjoint cannot hide behind another."""
    if ndim == 0:

        def whole_number(x):
            return np.sin(reduce(x)) * 2.0

        return whole_number
    middle = ndim // 2

    def every_form(x):
        return (
            np.sin(reduce(x))
            + np.sum(reduce(x, axis=0) ** 2)
            + np.sum(np.cos(reduce(x, axis=-1, keepdims=True)) * x)
            + np.sum(np.exp(reduce(x, axis=middle)))
            + np.sum(reduce(x, axis=0, keepdims=True) * x)
        )

    return every_form


def distinct(shape, seed):
    """Values in [0.5, 1.5], all different: no ties for max and min."""
    if shape == ():
        return 0.8
    values = np.linspace(0.5, 1.5, int(np.prod(shape)))
    return np.random.default_rng(seed).permutation(values).reshape(shape)


# numba takes half a minute per 3-d function here: 3-d runs uncompiled, and test_runtime_reductions
# checks the compiled helpers on 3-d arrays.
REDUCTION_CASES = [("python", s) for s in REDUCTION_SHAPES] + [("numba", s) for s in SHAPES]


@pytest.mark.parametrize("backend, shape", REDUCTION_CASES, ids=str)
@pytest.mark.parametrize("reduce", REDUCERS, ids=lambda f: f.__name__)
def test_reductions_with_axis_and_keepdims(reduce, backend, shape):
    fn = reductions_of(reduce, len(shape))
    x = distinct(shape, 4)
    check_grads(fn, (x,), backend=backend)
    value, grad = srcdiff.value_and_grad(fn, backend=backend)(x)
    assert value == pytest.approx(fn(x), rel=1e-12)
    assert np.shape(grad) == np.shape(x)


def others_by_deleting(x, axis):
    """`runtime.prod_others` the slow way: the product of `x` with each slice along `axis` deleted."""
    out = np.empty_like(x)
    for k in range(x.shape[axis]):
        index = (slice(None),) * (axis % x.ndim) + (k,)
        out[index] = np.prod(np.delete(x, k, axis=axis), axis=axis)
    return out


@pytest.mark.parametrize("compiled", [False, True], ids=["python", "numba"])
def test_runtime_reductions(compiled):
    """The helpers behind np.max/np.min/np.prod(x, axis=k), on every axis of 1-d to 3-d arrays."""
    import numba

    jit = numba.njit if compiled else (lambda f: f)
    helpers = {
        jit(runtime.max_along): np.max,
        jit(runtime.min_along): np.min,
        jit(runtime.prod_along): np.prod,
        jit(runtime.prod_others): others_by_deleting,
    }
    rng = np.random.default_rng(11)
    for shape in [(5,), (3, 2), (1, 2), (3, 1), (2, 3, 4)]:
        x = rng.uniform(-1.0, 1.0, shape)
        x.flat[1] = 0.0  # a zero, for prod_others
        for axis in range(-len(shape), len(shape)):
            for helper, reference in helpers.items():
                got, want, what = helper(x, axis), reference(x, axis=axis), (reference.__name__, shape, axis)
                assert np.shape(got) == np.shape(want), what
                np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=str(what))
                if x.ndim > 1:
                    assert helper(x.astype(np.float32), axis).dtype == np.float32, what
    for empty in [(0,), (0, 3), (3, 0)]:  # the empty product is 1
        x = np.ones(empty)
        for axis in range(len(empty)):
            np.testing.assert_array_equal(jit(runtime.prod_along)(x, axis), np.prod(x, axis=axis))
            assert jit(runtime.prod_others)(x, axis).shape == empty


def max_of_all(x):
    return np.max(x)


def max_down_columns(x):
    return np.sum(np.max(x, axis=0) * np.array([1.0, 2.0]))


def min_along_rows_kept(x):
    return np.sum(np.min(x, axis=-1, keepdims=True) * np.array([1.0, 2.0, 3.0])[:, None])


def test_ties_share_the_gradient_equally(backend):
    """Like JAX: equal extreme values split the gradient equally (finite differences do not apply)."""
    x = np.array([[1.0, 3.0], [3.0, 3.0], [2.0, 2.0]])
    third = 1.0 / 3.0
    expected = {
        max_of_all: [[0.0, third], [third, third], [0.0, 0.0]],
        max_down_columns: [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]],
        min_along_rows_kept: [[1.0, 0.0], [1.0, 1.0], [1.5, 1.5]],
    }
    for fn, want in expected.items():
        np.testing.assert_allclose(srcdiff.grad(fn, backend=backend)(x), want, err_msg=fn.__name__)


def product_of_all(x):
    return np.prod(x)


def products_of_rows(x):
    return np.sum(np.prod(x, axis=1) * np.array([1.0, 2.0, 3.0]))


def products_of_columns_kept(x):
    return np.sum(x.prod(axis=0, keepdims=True) * x)


def test_products_with_zeros():
    """The adjoint of a product is the product of the other factors, zeros included: one zero
    in a row gets the product of the rest, two zeros make the whole row's gradient zero."""
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    rows = [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [3 * 8.0, 3 * 4.0, 3 * 2.0]]
    one_zero = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 4.0]])
    all_but_zero = [[0.0, 48.0, 0.0], [0.0, 0.0, 0.0]]
    for backend in ("python", "numba"):
        np.testing.assert_array_equal(srcdiff.grad(products_of_rows, backend=backend)(x), rows)
        np.testing.assert_array_equal(srcdiff.grad(product_of_all, backend=backend)(one_zero), all_but_zero)
        np.testing.assert_array_equal(srcdiff.grad(product_of_all, backend=backend)(x), np.zeros((3, 3)))
        for fn in (product_of_all, products_of_rows, products_of_columns_kept):  # multilinear: exact
            check_grads(fn, (x,), backend=backend)
        check_grads(product_of_all, (one_zero,), backend=backend)
        check_grads(products_of_columns_kept, (one_zero,), backend=backend)


def test_product_over_an_empty_axis_is_one(backend):
    """np.prod over a length-0 axis is the empty product, 1; the gradient is an empty array."""
    for x in (np.ones((0, 3)), np.ones((3, 0))):
        value, grad = srcdiff.value_and_grad(products_of_columns_kept, backend=backend)(x)
        assert value == 0.0 and grad.shape == x.shape
    value, grad = srcdiff.value_and_grad(products_of_rows, backend=backend)(np.ones((3, 0)))
    assert value == 6.0 and grad.shape == (3, 0)


def axis_out_of_bounds(x):
    return np.max(x, axis=2)


def axis_computed(x, k):
    return np.prod(x, axis=k)


def axis_tuple(x):
    return np.min(x, axis=(0, 1))


@pytest.mark.parametrize(
    "fn, args, message",
    [
        (axis_out_of_bounds, (np.ones((3, 2)),), "axis 2 is out of bounds for an array of 2 dimensions"),
        (axis_computed, (np.ones((3, 2)), 1), "only constant axis= and keepdims="),
        (axis_tuple, (np.ones((3, 2)),), "passing a tuple by keyword to np.min"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_reduction_errors_name_the_users_line(fn, args, message):
    with pytest.raises(srcdiff.SrcdiffError, match=message) as error:
        srcdiff.grad(fn, wrt=0, backend="python")(*args)
    assert f"test_array_rules.py:{fn.__code__.co_firstlineno + 1}" in str(error.value)


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


def float32_matrix_products(A, B, x, y):
    return np.sum(np.tanh(A @ x)) + np.sum(B @ A.T) + np.sum(np.outer(x, y) * 0.5) + np.sum(y @ B)


def test_float32_linear_algebra(backend):
    """float32 operands meet float64 adjoints (and float64 operands) in `@` and np.outer:
    numba's need one dtype, so the rules and the forward pass take float32 as float64."""
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(2, 4))
    x, y = rng.normal(size=4).astype(np.float32), rng.normal(size=2)
    args = (A, B, x, y)
    check_grads(float32_matrix_products, args, wrt=(0, 1, 2, 3), backend=backend, rtol=2e-3, atol=1e-4)
    grads = srcdiff.grad(float32_matrix_products, wrt=(0, 1, 2, 3), backend=backend)(*args)
    assert [g.dtype for g in grads] == [np.float32, np.float64, np.float32, np.float64]


def test_every_array_rule_is_exercised():
    source = open(__file__).read()
    spelled = {
        operator.matmul: "@",
        np.amax: "np.amax",
        np.amin: "np.amin",
        np.expand_dims: "keepdims=True",
        np.asarray: "keepdims=True",
        runtime.max_along: "REDUCERS = [np.sum, np.mean, np.max, np.min, np.prod]",
        runtime.min_along: "REDUCERS = [np.sum, np.mean, np.max, np.min, np.prod]",
        runtime.prod_along: "np.prod(x, axis=1)",
        runtime.prod_others: "def test_products_with_zeros",
        runtime.float64: "def test_float32_linear_algebra",
        np.linalg.norm: "np.linalg.norm",
        np.shape: ".shape",
        np.size: "np.mean(x)",
        np.zeros_like: "",
        np.ones_like: "",
    }
    for primal in arrays.rules.entries:
        text = spelled.get(primal, f"np.{getattr(primal, '__name__', '')}")
        assert text in source, f"no test exercises the array rule for {primal}"
