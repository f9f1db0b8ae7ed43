"""Every corpus case on both backends: gradients against central differences, values against the function."""

import pytest

import srcdiff
from srcdiff.testing import check_grads

from .corpus import all_cases

CASES = all_cases()


def expect_known_bug(request, case, backend, check):
    reason = case.bug_on(backend, check)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gradient_matches_central_differences(case, backend, request):
    expect_known_bug(request, case, backend, "check_grads")
    check_grads(
        case.fn,
        case.fresh_args(),
        wrt=case.wrt_indices,
        backend=backend,
        rtol=case.rtol,
        atol=case.atol,
        h=case.h,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_value_and_grad_agree_with_function_and_grad(case, backend, request):
    expect_known_bug(request, case, backend, "value_and_grad")
    wrt = case.wrt_indices
    value, grads = srcdiff.value_and_grad(case.fn, wrt=wrt, backend=backend)(*case.fresh_args())
    expected = case.fn(*case.fresh_args())
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert isinstance(grads, tuple) and len(grads) == len(wrt)
    assert grads == srcdiff.grad(case.fn, wrt=wrt, backend=backend)(*case.fresh_args())


def test_corpus_is_big_enough():
    scalar = all_cases("scalar")
    assert len({c.fn.__name__ for c in scalar}) >= 70
    assert len({c.id for c in CASES}) == len(CASES)
