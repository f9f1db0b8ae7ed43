"""The public API: decorator forms, wrt, value_and_grad, .source/.python, show, the CLI, the cache."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcdiffError

ROOT = Path(__file__).resolve().parents[1]


def poly(x, y, n):
    return x * x * y + math.sin(y) * n


@srcdiff.grad
def decorated(x):
    return x**3


@srcdiff.grad(wrt="y", backend="python")
def decorated_with_options(x, y):
    return x * y * y


def test_decorator_forms():
    assert decorated(2.0) == pytest.approx(12.0)
    assert decorated_with_options(3.0, 2.0) == pytest.approx(12.0)
    assert decorated.__name__ == "decorated"


@pytest.mark.parametrize("wrt, expected", [(0, 12.0), ("y", 4.0 + math.cos(3.0) * 2), ((1, "x"), None)])
def test_wrt_by_index_name_and_tuple(wrt, expected, backend):
    g = srcdiff.grad(poly, wrt=wrt, backend=backend)(2.0, 3.0, 2)
    if expected is None:
        assert g == pytest.approx((4.0 + math.cos(3.0) * 2, 12.0))
    else:
        assert g == pytest.approx(expected)


def test_value_and_grad_and_keyword_arguments(backend):
    value, grads = srcdiff.value_and_grad(poly, wrt=("x", "y"), backend=backend)(2.0, y=3.0, n=2)
    assert value == pytest.approx(poly(2.0, 3.0, 2))
    assert grads == pytest.approx((12.0, 4.0 + 2 * math.cos(3.0)))
    assert type(value) is float and all(type(g) is float for g in grads)


def test_one_specialization_per_signature():
    g = srcdiff.grad(poly, backend="python")
    g(2.0, 3.0, 2)
    g(2.5, 3.5, 3)
    g(2.0, 3.0, 2.0)  # n as a float: a second signature
    assert len(g.specializations) == 2


def test_source_and_python_function():
    g = srcdiff.grad(poly, wrt="x", backend="python")
    assert "def poly_value_and_grad(x, y, n):" in g.source
    assert "# reverse pass" in g.source
    value, (d_x,) = g.python(2.0, 3.0, 2)
    assert d_x == pytest.approx(12.0)


def test_show_prints_the_generated_code(capsys):
    srcdiff.show(poly, 2.0, 3.0, 2)
    out = capsys.readouterr().out
    assert "d_x" in out and "Argument types: x: float, y: float, n: int" in out


@pytest.mark.parametrize("target", ["tests/golden_functions.py:neuron", "tests.golden_functions:neuron"])
def test_cli_show(target):
    out = subprocess.run(
        [sys.executable, "-m", "srcdiff", "show", target, "--wrt", "w0,x0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "def neuron_value_and_grad(w0, x0, w1, x1, w2):" in out
    assert "return (neuron, (d_w0, d_x0))" in out


def test_cli_reports_errors_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "srcdiff", "show", "tests/golden_functions.py:missing"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "srcdiff: error:" in result.stderr and "Traceback" not in result.stderr


CHILD = """
import json, sys
sys.path.insert(0, {root!r})
import srcdiff
from tests.golden_functions import for_loop
g = srcdiff.grad(for_loop, wrt=("a", "b"))
g(1.1, 0.7, 0.5, 100)
spec = g.last
print(json.dumps({{"hits": sum(spec.function.stats.cache_hits.values()),
                  "misses": sum(spec.function.stats.cache_misses.values())}}))
"""


def test_second_process_loads_the_compiled_gradient_from_the_disk_cache(tmp_path):
    env = dict(os.environ, SRCDIFF_CACHE_DIR=str(tmp_path))
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", CHILD.format(root=str(ROOT))],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(2)
    ]
    assert runs[0] == {"hits": 0, "misses": 1}
    assert runs[1] == {"hits": 1, "misses": 0}
    assert list(tmp_path.glob("for_loop_value_and_grad_*.py"))


def returns_an_int(x):
    return int(x) + 1


def returns_a_comparison(x):
    return x > 1.0


@pytest.mark.parametrize("fn, what", [(returns_an_int, "an int"), (returns_a_comparison, "a bool")])
def test_a_non_float_output_is_an_error_not_a_zero_gradient(fn, what):
    with pytest.raises(SrcdiffError, match=f"returns {what}; grad needs a float output"):
        srcdiff.grad(fn)(2.5)


def sum_of_squares(x):
    return np.sum(x * x)


def test_a_zero_dimensional_array_is_refused_with_a_hint():
    with pytest.raises(SrcdiffError, match="0-d array"):
        srcdiff.grad(sum_of_squares)(np.array(2.0))


def ellipsis_index(x):
    return np.sum(x[..., 0])


def test_ellipsis_indexing_is_refused_by_name():
    with pytest.raises(SrcdiffError, match=r"indexing with \.\.\. \(Ellipsis\) is not supported"):
        srcdiff.grad(ellipsis_index)(np.ones((2, 2)))


def weighted_by_a_double(x, w):
    return np.sum(x * x) * w


def test_a_float32_array_gets_a_float32_gradient(backend):
    """Like JAX: the gradient has its argument's dtype, though float64 scalars promote inside."""
    x = np.array([0.5, -1.5, 2.0], dtype=np.float32)
    dx, dw = srcdiff.grad(weighted_by_a_double, wrt=(0, 1), backend=backend)(x, 3.0)
    assert dx.dtype == np.float32 and isinstance(dw, float)
    np.testing.assert_allclose(dx, 6.0 * x, rtol=1e-6)
    both = srcdiff.grad(weighted_by_a_double, wrt=(0, 1), backend=backend)(x.astype(np.float64), 3.0)
    assert both[0].dtype == np.float64
