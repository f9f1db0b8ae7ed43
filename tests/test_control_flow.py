"""Control flow: exact gradients where they are known, both record modes, source size, errors.

The corpus (`tests/corpus/control_flow.py`) checks each function against central
differences; this file checks what finite differences cannot: exact values
(``2**n``, trip counts of odd ranges, the iteration an early return picks), that
``record="all"`` and ``record="needed"`` agree on every corpus case, that the
generated code does not depend on the value of an int argument (a trip count), and
the errors for names some path leaves undefined. It also checks that every corpus
point is away from the points where a branch or a trip count switches.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import re
import sys
import textwrap

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcdiffError

from .corpus import RECORDS, all_cases, control_flow

CF_CASES = all_cases("control_flow")

_TRANSFORMED: dict = {}


@pytest.fixture(params=RECORDS)
def record(request):
    return request.param


MODES = [("python", "needed"), ("python", "all"), ("numba", "needed")]


@pytest.fixture(params=MODES, ids=["-".join(m) for m in MODES])
def mode(request):
    """(backend, record mode). numba compiles are what costs: record="all" on numba is
    left to `test_record_all_and_needed_agree`, over the whole corpus."""
    return request.param


def value_and_gradient(fn, backend, record, wrt=0):
    """`srcdiff.value_and_grad`, built once per (fn, backend, record, wrt) for the whole module.

    Int arguments are not specialized on their value, so one build serves every trip count.
    """
    key = (fn, backend, record, wrt)
    if key not in _TRANSFORMED:
        _TRANSFORMED[key] = srcdiff.value_and_grad(fn, wrt=wrt, backend=backend, record=record)
    return _TRANSFORMED[key]


def gradient(fn, backend, record, wrt=0):
    transformed = value_and_gradient(fn, backend, record, wrt)
    return lambda *args: transformed(*args)[1]


# ============================================================== exact gradients


def doubling(x, n):
    for _ in range(n):
        x = x * 2.0
    return x


@pytest.mark.parametrize("n", [0, 1, 7, 60, -3])
def test_doubling_loop_has_gradient_two_to_the_n(n, mode):
    value, g = value_and_gradient(doubling, *mode)(0.3, n)
    assert g == 2.0 ** max(n, 0)
    assert value == 0.3 * 2.0 ** max(n, 0)


def affine_loop(x, n):
    y = x
    for _ in range(n):
        y = 3.0 * y + 1.0
    return y


def affine_while(x, n):
    y = x
    i = 0
    while i < n:
        y = 3.0 * y + 1.0
        i += 1
    return y


@pytest.mark.parametrize("fn", [affine_loop, affine_while])
@pytest.mark.parametrize("n", [0, -5, 1, 4])
def test_zero_trip_loop_keeps_the_identity_gradient(fn, n, mode):
    value, g = value_and_gradient(fn, *mode)(0.25, n)
    assert g == 3.0 ** max(n, 0)  # 1.0 when the loop does not run
    assert value == fn(0.25, n)


def while_never_entered(x):
    y = x
    while y < 0.0:
        y = y * y
    return y


def test_while_that_never_runs(mode):
    assert value_and_gradient(while_never_entered, *mode)(1.5) == (1.5, 1.0)


def weighted_by_index(x, a, b, step):
    s = x * x
    for i in range(a, b, step):
        s = s + x * i
    return s


def weighted_by_index_with_break(x, a, b, step, stop_at):
    # The break makes srcdiff lower the for loop to a while loop over a counter.
    s = x * x
    for i in range(a, b, step):
        if i == stop_at:
            break
        s = s + x * i
    return s


def last_index(x, a, b, step):
    i = -100
    for i in range(a, b, step):
        x = x * 1.0
    return x * i


RANGES = [
    (10, 0, -3),  # 10, 7, 4, 1
    (0, 10, 3),  # 0, 3, 6, 9
    (5, 5, 1),  # empty
    (5, 0, 1),  # empty
    (0, 5, -1),  # empty
    (-3, 4, 2),  # -3, -1, 1, 3
    (7, -8, -5),  # 7, 2, -3
    (3, -3, -1),  # 3, 2, 1, 0, -1, -2
    (0, 1, 1),  # 0
    (-1, -11, -10),  # -1
]


@pytest.mark.parametrize("a,b,step", RANGES, ids=[f"range({a},{b},{s})" for a, b, s in RANGES])
def test_range_trip_structure(a, b, step, mode):
    x = 0.5  # every sum below is exact in binary
    value, g = value_and_gradient(weighted_by_index, *mode)(x, a, b, step)
    assert g == 2.0 * x + sum(range(a, b, step))
    assert value == weighted_by_index(x, a, b, step)
    value, g = value_and_gradient(last_index, *mode)(x, a, b, step)
    expected_last = list(range(a, b, step))[-1] if len(range(a, b, step)) else -100
    assert (value, g) == (x * expected_last, float(expected_last))


@pytest.mark.parametrize("a,b,step", RANGES, ids=[f"range({a},{b},{s})" for a, b, s in RANGES])
@pytest.mark.parametrize("stop_at", ["first", "middle", "never"])
def test_range_trip_structure_with_break(a, b, step, stop_at, mode):
    trips = list(range(a, b, step))
    at = {"first": trips[0] if trips else 0, "middle": trips[len(trips) // 2] if trips else 0}
    at = at.get(stop_at, 10**6)
    x = 0.5
    value, g = value_and_gradient(weighted_by_index_with_break, *mode)(x, a, b, step, at)
    before = trips[: trips.index(at)] if at in trips else trips
    assert g == 2.0 * x + sum(before)
    assert value == weighted_by_index_with_break(x, a, b, step, at)


def first_power_above(x, limit):
    p = x
    for i in range(100):
        if p > limit:
            return p * i
        p = p * x
    return -1.0


def first_power_above_while(x, limit):
    p = x
    i = 0
    while i < 100:
        if p > limit:
            return p * i
        p = p * x
        i += 1
    return -1.0


@pytest.mark.parametrize("fn", [first_power_above, first_power_above_while])
@pytest.mark.parametrize(
    "limit,i",
    [(10.0, 5), (2.0, 1), (1.0, 0), (1e40, None)],
    ids=["sixth_power", "second_power", "first_iteration", "never"],
)
def test_early_return_in_loop_picks_the_right_iteration(fn, limit, i, mode):
    x = 1.5  # p = 1.5 ** (i + 1) is exact: returned at the first i with p > limit
    value, g = value_and_gradient(fn, *mode)(x, limit)
    if i is None:
        assert (value, g) == (-1.0, 0.0)
    else:
        assert value == i * x ** (i + 1)
        assert g == pytest.approx(i * (i + 1) * x**i, rel=1e-14)


def skip_and_stop(x, n, skip, stop):
    s = 0.0
    for i in range(n):
        if i % skip == 0:
            continue
        if i >= stop:
            break
        s = s + x * i
    return s


@pytest.mark.parametrize("n,skip,stop", [(20, 3, 11), (20, 2, 100), (5, 7, 0), (0, 2, 3), (12, 1, 5)])
def test_continue_and_break_on_counters(n, skip, stop, mode):
    value, g = value_and_gradient(skip_and_stop, *mode)(0.5, n, skip, stop)
    # skip_and_stop is linear in x: its gradient is its value at x = 1.
    assert g == skip_and_stop(1.0, n, skip, stop)
    assert value == skip_and_stop(0.5, n, skip, stop)


def count_pairs(x, n):
    s = 0.0
    for i in range(n):
        for _ in range(i):
            s = s + x
        for _ in range(i, -1, -2):  # ceil((i + 1) / 2) trips
            s = s + 2.0 * x
    return s


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_inner_bound_depends_on_outer_index(n, mode):
    expected = n * (n - 1) // 2 + 2 * sum((i + 2) // 2 for i in range(n))
    assert gradient(count_pairs, *mode)(0.75, n) == expected


def repeated_squaring(x, n):
    k = 0
    while k < n:
        x = x * x
        k += 1
    return x


@pytest.mark.parametrize("n", [0, 1, 3, 10])
def test_repeated_squaring(n, mode):
    # d/dx x**(2**n) at x = 1 is 2**n; at x = 1.25 and n = 3 it is 8 * 1.25**7.
    assert gradient(repeated_squaring, *mode)(1.0, n) == 2.0**n
    if n == 3:
        assert gradient(repeated_squaring, *mode)(1.25, n) == pytest.approx(8 * 1.25**7, rel=1e-14)


@pytest.mark.parametrize("x", [2.3, 17.0, 0.04])
def test_newton_sqrt_converges_to_the_derivative_of_sqrt(x, mode):
    value, g = value_and_gradient(control_flow.newton_sqrt, *mode)(x)
    assert value == pytest.approx(math.sqrt(x), rel=1e-15)
    assert g == pytest.approx(0.5 / math.sqrt(x), rel=1e-9)


CBRT = [
    (control_flow.newton_cbrt, 2.3),
    (control_flow.newton_cbrt, 40.0),
    (control_flow.newton_cbrt_while, 2.3),
    (control_flow.newton_cbrt_while, -40.0),
]


@pytest.mark.parametrize("fn,x", CBRT, ids=[f"{fn.__name__}({x})" for fn, x in CBRT])
def test_newton_cbrt_converges_to_the_derivative_of_cbrt(fn, x, mode):
    value, g = value_and_gradient(fn, *mode)(x)
    assert value == pytest.approx(math.copysign(abs(x) ** (1 / 3), x), rel=1e-15)
    assert g == pytest.approx(abs(x) ** (-2 / 3) / 3.0, rel=1e-9)


@pytest.mark.parametrize("x", [0.7, -2.2, 3.1])
def test_series_until_tolerance_has_the_derivative_of_exp(x, mode):
    value, g = value_and_gradient(control_flow.exp_series, *mode)(x)
    assert value == pytest.approx(math.exp(x), rel=1e-13)
    assert g == pytest.approx(math.exp(x), rel=1e-12)


@pytest.mark.parametrize("n", [1, 8, 30])
def test_logsumexp_with_running_max_has_softmax_gradient(n, mode):
    # Tangent returned zero here: the max is found by `if v > m: m = v` in a loop.
    x, y = 0.4, -0.3
    value, (gx, gy) = value_and_gradient(control_flow.logsumexp_running_max, *mode, (0, 1))(x, y, n)
    i = np.arange(n)
    v = np.sin(x * i) + y * i * 0.25
    w = np.exp(v - v.max()) / np.exp(v - v.max()).sum()
    assert value == pytest.approx(v.max() + math.log(np.exp(v - v.max()).sum()), rel=1e-14)
    assert gx == pytest.approx(float(np.sum(w * np.cos(x * i) * i)), rel=1e-12, abs=1e-15)
    assert gy == pytest.approx(float(np.sum(w * i * 0.25)), rel=1e-12)
    assert n == 1 or (gx != 0.0 and gy != 0.0)


def test_recurrence_matches_forward_mode_by_hand(mode):
    a, b, x0 = 1.0, 0.5, 0.9
    fn = control_flow.recurrence_1000_steps
    value, (ga, gb) = value_and_gradient(fn, *mode, (0, 1))(a, b, x0)
    x, dxa, dxb, dt = x0, 0.0, 0.0, 0.01
    for _ in range(1000):  # tangents of x with respect to a and b, step by step
        dxa, dxb = (
            dxa + dt * (math.sin(x) + a * math.cos(x) * dxa - 2.0 * b * x * dxa),
            dxb + dt * (a * math.cos(x) * dxb - x * x - 2.0 * b * x * dxb),
        )
        x = x + dt * (a * math.sin(x) - b * x * x)
    assert value == pytest.approx(x, rel=1e-13)
    assert ga == pytest.approx(dxa, rel=1e-11)
    assert gb == pytest.approx(dxb, rel=1e-11)


def piecewise(x):
    if x < -1.0:
        return -2.0 * x - 1.0
    elif x < 1.0:
        return x * x
    return 2.0 * x - 1.0


@pytest.mark.parametrize("x,expected", [(-3.0, -2.0), (-0.5, -1.0), (0.25, 0.5), (4.0, 2.0)])
def test_piecewise_pieces(x, expected, mode):
    assert gradient(piecewise, *mode)(x) == expected


# ============================================================== generated code


def long_sum(x, n):
    s = 0.0
    for _ in range(n):
        s = s + x
    return s


def long_product_while(x, n):
    p = 1.0
    i = 0
    while i < n:
        p = p * x  # the reverse pass reads p: it is stored per iteration
        i += 1
    return p


@pytest.mark.parametrize("fn", [long_sum, long_product_while])
def test_generated_source_does_not_depend_on_the_trip_count(fn, record):
    short = srcdiff.value_and_grad(fn, backend="numba", record=record)
    long = srcdiff.value_and_grad(fn, backend="numba", record=record)
    assert short(1.0, 10) == (fn(1.0, 10), 10.0)
    n = 10**6
    assert long(1.0, n) == (fn(1.0, n), float(n))  # every partial sum is an exact integer
    assert short.source == long.source
    assert str(n) not in long.source
    assert len(long.source.splitlines()) < 60
    assert short(1.0, n) == long(1.0, n)
    assert len(short.specializations) == 1  # ints are not specialized on their value


def test_needed_stores_less_than_all():
    """record="needed" stores only what the reverse pass reads; "all" stores every loop value."""
    sources = {}
    for record in RECORDS:
        g = srcdiff.grad(long_sum, backend="python", record=record)
        g(1.0, 3)
        sources[record] = g.source
    assert "_tape" not in sources["needed"]  # s + x: the reverse pass reads nothing
    assert "_tape" in sources["all"]
    totals = dict.fromkeys(RECORDS, 0)
    for case in CF_CASES:
        if case.bug:
            continue
        tapes = {}
        for record in RECORDS:
            g = srcdiff.grad(case.fn, wrt=case.wrt_indices, backend="python", record=record)
            g(*case.fresh_args())
            tapes[record] = len(set(re.findall(r"\b\w+_tape\b", g.source)))
            totals[record] += tapes[record]
        assert tapes["needed"] <= tapes["all"], case.id
    assert totals["needed"] < totals["all"]


# ============================================================== record modes agree


@pytest.mark.parametrize("case", CF_CASES, ids=[c.id for c in CF_CASES])
def test_record_all_and_needed_agree(case, backend, request):
    reason = next(filter(None, (case.bug_on(backend, "check_grads", r) for r in RECORDS)), None)
    if reason and backend in case.bug_skip:
        pytest.xfail(f"not run: {reason}")  # the bug can hang or crash the test process
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    wrt = case.wrt_indices
    results = {
        record: srcdiff.value_and_grad(case.fn, wrt=wrt, backend=backend, record=record)(*case.fresh_args())
        for record in RECORDS
    }
    (v_needed, g_needed), (v_all, g_all) = results["needed"], results["all"]
    assert v_needed == v_all == pytest.approx(case.fn(*case.fresh_args()), rel=1e-12, abs=1e-15)
    assert g_needed == pytest.approx(g_all, rel=1e-13, abs=1e-300)
    assert all(math.isfinite(g) for g in g_needed)


# ============================================================== names some path leaves undefined


def undefined_after_if(x):
    if x > 0.0:
        y = x * 2.0
    return y  # USE


def undefined_after_elif(x):
    if x > 1.0:
        y = x
    elif x > 0.0:
        z = x  # noqa: F841
    else:
        y = -x
    return y + 1.0  # USE


def undefined_after_nested_if(x, w):
    if x > 0.0:
        if w > 0.0:
            z = x * w
    else:
        z = w
    return z  # USE


def undefined_in_loop_body(x, n):
    s = x
    for i in range(n):
        if i > 2:
            t = s * 2.0
        s = s + t  # USE
    return s


def undefined_in_while_body(x):
    k = 0
    while k < 3:
        if x > 1.0:
            w = x
        x = x + w  # USE
        k += 1
    return x


def undefined_after_early_exit_branch(x, n):
    for i in range(n):
        if i > 1:
            u = x * i
            break
    return u  # USE


UNDEFINED_IN_LOOPS = (
    "a name assigned on some paths of a loop body only is carried around the loop with an "
    "undefined initial value that srcdiff silently makes 0.0 instead of reporting it as "
    "maybe-undefined (Python raises UnboundLocalError when it is read)"
)
UNDEFINED = [
    # (function, the name, arguments at which Python raises UnboundLocalError, known bug)
    (undefined_after_if, "y", (-1.0,), ""),
    (undefined_after_elif, "y", (0.5,), ""),
    (undefined_after_nested_if, "z", (1.0, -1.0), ""),
    (undefined_in_loop_body, "t", (1.0, 5), UNDEFINED_IN_LOOPS),
    (undefined_in_while_body, "w", (0.5,), UNDEFINED_IN_LOOPS),
    (undefined_after_early_exit_branch, "u", (1.0, 2), UNDEFINED_IN_LOOPS),
]


@pytest.mark.parametrize(
    "fn,name,args",
    [
        pytest.param(fn, name, args, marks=[pytest.mark.xfail(strict=True, reason=bug)] if bug else [])
        for fn, name, args, bug in UNDEFINED
    ],
    ids=[u[0].__name__ for u in UNDEFINED],
)
def test_maybe_undefined_is_an_error(fn, name, args):
    with pytest.raises(UnboundLocalError):
        fn(*args)
    g = srcdiff.grad(fn, backend="python")
    with pytest.raises(SrcdiffError) as info:
        g(*args)
    message = str(info.value)
    assert f"'{name}'" in message and "may be undefined" in message
    lines, first = inspect.getsourcelines(fn)
    use = first + next(i for i, line in enumerate(lines) if "# USE" in line)
    assert info.value.loc is not None and info.value.loc.line == use


def assigned_only_in_loop(x, n):
    for i in range(n):
        t = x * i
    return t  # Python raises UnboundLocalError when n <= 0


@pytest.mark.xfail(strict=True, reason=UNDEFINED_IN_LOOPS + "; here srcdiff returns (0.0, 0.0) for n = 0")
def test_name_assigned_only_in_a_loop_is_not_silently_zero():
    with pytest.raises(UnboundLocalError):
        assigned_only_in_loop(0.7, 0)
    with pytest.raises(Exception):  # noqa: B017 - srcdiff may refuse statically or at run time
        srcdiff.value_and_grad(assigned_only_in_loop, backend="python")(0.7, 0)


# ============================================================== regressions: bugs these tests found


def while_in_for(x, n):
    s = x
    for _ in range(n):
        j = 0
        while j < 2:
            s = s * x
            j += 1
    return s


def break_in_inner_for(x, n):
    s = x
    for _ in range(n):
        for j in range(3):
            if j == 2:
                break
            s = s * x
    return s


@pytest.mark.parametrize("fn", [while_in_for, break_in_inner_for])
def test_while_nested_in_a_loop_records_its_trip_counts(fn, mode):
    """Once the trip counts of a nested while loop were read from a tape never written:
    wrong gradients, IndexError, hangs, and segfaults on numba."""
    value, g = value_and_gradient(fn, *mode)(1.1, 30)
    assert value == fn(1.1, 30)
    assert g == pytest.approx(61 * 1.1**60, rel=1e-12)  # s = x**61


def test_value_defined_in_a_branch_of_a_long_while_loop(mode):
    """Once stored per iteration only when the branch ran, but read back in every reverse
    iteration: past the tape's first 16 slots an IndexError (python), an unchecked read (numba)."""
    fn = control_flow.branch_value_in_while
    x = 0.7
    t = x * x
    expected = math.cos(math.sin(t) ** 2) * 2 * math.sin(t) * math.cos(t) * 2 * x
    g = gradient(fn, *mode)
    for n in (5, 17, 1000):
        assert g(x, n) == pytest.approx(expected, rel=1e-14)


def loop_exits_inside_if(x, n):
    if x > 0.0:
        for i in range(n):
            if i == 3:
                break
            x = x * 2.0
    else:
        i = 0
        while i < n:
            i += 1
            if i % 2 == 0:
                continue
            x = x * 3.0
    return x


@pytest.mark.parametrize("x,n,expected", [(0.5, 10, 8.0), (0.5, 2, 4.0), (-0.5, 5, 27.0), (-0.5, 0, 1.0)])
def test_loop_exits_inside_an_if(x, n, expected, mode):
    """Once not desugared: "Break is not supported by srcdiff"."""
    assert gradient(loop_exits_inside_if, *mode)(x, n) == expected


# ============================================================== corpus points are away from switches


def trace_of(fn, args) -> str:
    """A digest of every bytecode instruction run in the corpus module: the path taken."""
    digest = hashlib.sha256()
    filename = fn.__code__.co_filename

    def local(frame, event, arg):
        if event == "opcode":
            digest.update(f"{frame.f_code.co_name}:{frame.f_lasti};".encode())
        return local

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != filename:
            return None
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        return local

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return digest.hexdigest()


def nearby_points(case, radius: float):
    """The case's point moved by `radius` (relative, at least absolute) along each axis and two diagonals."""
    base = list(case.args)
    wrt = case.wrt_indices
    directions = list(np.eye(len(wrt))) + list(-np.eye(len(wrt)))
    rng = np.random.default_rng(0)
    for _ in range(2):
        v = rng.standard_normal(len(wrt))
        directions.append(v / np.linalg.norm(v))
    for v in directions:
        moved = list(base)
        for i, vi in zip(wrt, v.tolist()):
            moved[i] = base[i] + radius * vi * max(1.0, abs(base[i]))
        yield moved


@pytest.mark.parametrize("case", CF_CASES, ids=[c.id for c in CF_CASES])
def test_corpus_points_are_away_from_switches(case):
    """The same bytecode runs at points 100 finite-difference steps away: no branch or trip count flips."""
    expected = trace_of(case.fn, case.args)
    for moved in nearby_points(case, radius=100 * case.h):
        assert trace_of(case.fn, moved) == expected, f"{case.id} takes another path at {moved}"


def test_switch_detection_sees_a_nearby_switch():
    fn = control_flow.break_on_data  # the loop breaks one step earlier from x = 0.7002 on
    here = trace_of(fn, (0.7,))
    assert trace_of(fn, (0.7 - 1e-4,)) == here
    assert trace_of(fn, (0.7 + 1e-3,)) != here


def test_corpus_covers_the_constructs():
    sources = "\n".join(textwrap.dedent(inspect.getsource(c.fn)) for c in CF_CASES)
    assert re.search(r"= .+ if .+ else ", sources)  # a conditional expression
    for construct in [
        "elif ",
        " and ",
        " or ",
        "not ",
        "while ",
        "break",
        "continue",
        "range(n)",
        ", -",
        "a, b = b, a",
        "n // 2 + 1",
        "while True",
    ]:
        assert construct in sources, construct
    assert len({c.fn.__name__ for c in CF_CASES}) >= 50
