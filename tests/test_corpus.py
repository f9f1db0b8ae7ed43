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
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert isinstance(grads, tuple) and len(grads) == len(wrt)
    for got, again in zip(grads, srcdiff.grad(case.fn, wrt=wrt, backend=backend)(*case.fresh_args())):
        np.testing.assert_array_equal(got, again)


def test_corpus_is_big_enough():
    scalar = all_cases("scalar")
    assert len({c.fn.__name__ for c in scalar}) >= 70
    assert len({c.fn.__name__ for c in all_cases("control_flow")}) >= 50
    assert len({c.fn.__name__ for c in all_cases("arrays")}) >= 50
    assert len({c.id for c in CASES}) == len(CASES)
