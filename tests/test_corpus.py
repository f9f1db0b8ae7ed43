"""Every corpus case on both backends: gradients against central differences, values against the function.

Gradients are checked in both record modes: ``"needed"`` (the default) and ``"all"``
(the naive oracle that stores every loop value).
"""

import numpy as np
import pytest

import srcdiff
from srcdiff.testing import check_grads

from .corpus import RECORDS, all_cases

CASES = all_cases()


def value_tolerance(case) -> float:
    """Backends may round float32 work differently (numba promotes float32 * float to float64)."""
    float32 = any(getattr(a, "dtype", None) == np.float32 for a in case.fresh_args())
    return 1e-6 if float32 else 1e-12


def expect_known_bug(request, case, backend, check, record="needed"):
    reason = case.bug_on(backend, check, record)
    if reason and backend in case.bug_skip:
        pytest.xfail(f"not run: {reason}")  # the bug can hang or crash the test process
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("record", RECORDS)
def test_gradient_matches_central_differences(case, record, backend, request):
    expect_known_bug(request, case, backend, "check_grads", record)
    check_grads(
        case.fn,
        case.fresh_args(),
        wrt=case.wrt_indices,
        backend=backend,
        rtol=case.rtol,
        atol=case.atol,
        h=case.h,
        record=record,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_value_and_grad_agree_with_function_and_grad(case, backend, request):
    expect_known_bug(request, case, backend, "value_and_grad")
    wrt = case.wrt_indices
    value, grads = srcdiff.value_and_grad(case.fn, wrt=wrt, backend=backend)(*case.fresh_args())
    expected = case.fn(*case.fresh_args())
    assert value == pytest.approx(expected, rel=value_tolerance(case), abs=1e-15)
    assert isinstance(grads, tuple) and len(grads) == len(wrt)
    for got, again in zip(grads, srcdiff.grad(case.fn, wrt=wrt, backend=backend)(*case.fresh_args())):
        np.testing.assert_array_equal(got, again)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_arguments_are_not_modified(case, request):
    """The generated code never writes into the caller's arrays (python backend: the same source)."""
    expect_known_bug(request, case, "python", "value_and_grad")
    args = case.fresh_args()
    before = [np.copy(a) for a in args]
    srcdiff.value_and_grad(case.fn, wrt=case.wrt_indices, backend="python")(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


def test_corpus_is_big_enough():
    scalar = all_cases("scalar")
    assert len({c.fn.__name__ for c in scalar}) >= 70
    assert len({c.fn.__name__ for c in all_cases("control_flow")}) >= 50
    assert len({c.fn.__name__ for c in all_cases("arrays")}) >= 50
    assert len({c.id for c in CASES}) == len(CASES)


VJP_ON_NUMBA = CASES[::12]  # numba compiles each case again: a sample of the corpus


@pytest.mark.parametrize(
    "case, backend",
    [pytest.param(c, "python", id=f"python-{c.id}") for c in CASES]
    + [pytest.param(c, "numba", id=f"numba-{c.id}") for c in VJP_ON_NUMBA],
)
def test_vjp_of_a_scalar_output_scales_the_gradient(case, backend, request):
    """vjp(f)(*args, c) is c times the gradient, from the same generated code with a seed."""
    expect_known_bug(request, case, backend, "value_and_grad")
    wrt = case.wrt_indices
    value, grads = srcdiff.value_and_grad(case.fn, wrt=wrt, backend=backend)(*case.fresh_args())
    got_value, got = srcdiff.vjp(case.fn, wrt=wrt, backend=backend)(*case.fresh_args(), -2.5)
    assert got_value == value
    for g, want in zip(got, grads):
        np.testing.assert_allclose(g, -2.5 * np.asarray(want), rtol=value_tolerance(case), atol=1e-300)
