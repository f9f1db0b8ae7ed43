"""Random array programs with writes in loops, checked against NumPy, central differences and record="all".

`tests/array_program_gen.py` draws the programs (see its docstring and docs/fuzzing.md).
Each is written to a temporary ``.py`` file (srcdiff reads source), imported, and checked:

1. srcdiff's value equals the plain function's value at the arguments, which it leaves unchanged;
2. srcdiff's gradient matches central differences along a seeded random direction (the
   comparison `srcdiff.testing.check_grads` makes, on the gradient `value_and_grad` returned,
   so numba compiles each program once);
3. on the python backend, ``record="all"`` gives the same value and gradient as the
   default ``record="needed"``.

Programs whose kinks (``np.maximum``, ``np.abs``, ``np.max``, comparisons in ``if`` and
``np.where``) are within `MARGIN` of switching, or switch along the finite-difference
line, are rejected with `assume`, as in tests/test_random_control_flow.py.

A `SrcdiffError` is a failure unless it is one of the documented refusals *and* the
program does the refused thing: it writes into a parameter or a view, or reads a buffer
through an alias or a view after writing into it (`Program.probes`, `Program.stale_views`).

Profiles (environment variable ``SRCDIFF_FUZZ``): ``ci`` (default) runs `PROFILES["ci"]`
programs and stops at the first failure, which Hypothesis shrinks; ``long`` runs at least
10^4 programs, records every failure under ``$SRCDIFF_FUZZ_FAILURES`` and fails at the end
with the list. ``SRCDIFF_FUZZ_KNOWN_BUGS=1`` also draws the constructs of known, unfixed
bugs (see `array_program_gen`). The counts are printed at the end of the module.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
import traceback
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings

import srcdiff
from srcdiff import SrcdiffError
from srcdiff.testing import numerical_directional_derivative, random_direction

from .array_program_gen import Program, programs
from .source_modules import SourceModules

MARGIN = 1e-3  # smallest distance from a kink's switch allowed at the test point
H = 1e-6  # the finite-difference step
RTOL, ATOL = 1e-5, 1e-6
RTOL32, ATOL32 = 2e-3, 1e-4  # with a float32 argument
SEED = 0  # the direction's seed

PROFILE = os.environ.get("SRCDIFF_FUZZ", "ci")
# Programs per backend. numba compiles each program (about 1 s), so it sees a subset.
PROFILES = {"ci": {"python": 400, "numba": 10}, "long": {"python": 10_000, "numba": 1_000}}
if os.environ.get("SRCDIFF_FUZZ_EXAMPLES"):  # e.g. 2000: that many on python, 1 in 25 of them on numba
    _count = int(os.environ["SRCDIFF_FUZZ_EXAMPLES"])
    PROFILES[PROFILE] = {"python": _count, "numba": max(1, _count // 25)}
KEEP_GOING = PROFILE == "long"
KNOWN_BUGS = os.environ.get("SRCDIFF_FUZZ_KNOWN_BUGS") == "1"

# Documented refusals: a fragment of the message → the construct a program must contain for it.
REFUSALS = {
    "writing into the parameter": "parameter",
    "a view of another array": "view",
    "as it was before a write": "alias",
    "may share its array with": "alias",
    "read after a write into": "alias",  # a view read after a write into its array
}

COMMON = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def fresh(args: tuple) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


@pytest.fixture(scope="module")
def load_module(tmp_path_factory):
    """Write source to a temporary .py file and import it (srcdiff reads the source)."""
    modules = SourceModules(tmp_path_factory.mktemp("random_arrays"), "srcdiff_random_arrays")
    yield modules
    modules.forget()


class Tally:
    """Counts of what happened to the programs drawn, per backend, and the failures kept in a long run."""

    def __init__(self):
        self.counts: dict[str, Counter] = {}
        self.seconds: dict[str, float] = {}
        self.failures: list[dict] = []

    def add(self, backend: str, what: str) -> None:
        self.counts.setdefault(backend, Counter())[what] += 1

    def lines(self) -> list[str]:
        out = [f"random array programs, profile {PROFILE!r}{' with known bugs' if KNOWN_BUGS else ''}:"]
        for backend, counts in self.counts.items():
            seconds = self.seconds.get(backend, 0.0)
            details = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            out.append(f"  {backend}: {details} ({seconds:.0f} s)")
        return out


@pytest.fixture(scope="module")
def tally(request):
    counts = Tally()
    yield counts
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter and capture and counts.counts:
        with capture.global_and_fixture_disabled():  # shown even when pytest captures output
            reporter.write_line("")
            for line in counts.lines():
                reporter.write_line(line)
    if os.environ.get("SRCDIFF_FUZZ_REPORT"):
        report = {"profile": PROFILE, "known_bugs": KNOWN_BUGS, "seconds": counts.seconds}
        report.update(counts={b: dict(c) for b, c in counts.counts.items()}, failures=counts.failures)
        Path(os.environ["SRCDIFF_FUZZ_REPORT"]).write_text(json.dumps(report, indent=1))


# ---------------------------------------------------------------- kinks


def kinks(instrumented, args: tuple) -> tuple[list, list]:
    """(margins, outcomes) of the instrumented program's kinks at `args`."""
    instrumented.MARGINS.clear()
    instrumented.OUTCOMES.clear()
    with np.errstate(all="ignore"):
        instrumented.program(*fresh(args))
    return list(instrumented.MARGINS), list(instrumented.OUTCOMES)


def away_from_kinks(instrumented, program: Program) -> bool:
    """Every kink has a margin, and none switches along the finite-difference line."""
    margins, outcomes = kinks(instrumented, program.args)
    if min(margins, default=math.inf) <= MARGIN:
        return False
    direction = random_direction(program.args, program.wrt, SEED)  # the direction the check uses
    for steps in (1.0, -1.0, 10.0, -10.0):
        moved = list(program.args)
        for i, v in zip(program.wrt, direction):
            moved[i] = program.args[i] + steps * H * v
        if kinks(instrumented, tuple(moved))[1] != outcomes:
            return False
    return True


# ---------------------------------------------------------------- one program


def documented_refusal(error: SrcdiffError, program: Program) -> str | None:
    """The refused construct, if `error` is a documented refusal of something `program` does."""
    for fragment, construct in REFUSALS.items():
        if fragment in str(error):
            does = construct in program.probes or (construct == "alias" and program.stale_views > 0)
            return construct if does else None
    return None


def check_program(program: Program, load, backend: str, tally: Tally, compare_records: bool) -> None:
    note(program.source)
    note(f"args = {program.args!r}")
    instrumented = load(program.instrumented)
    if not away_from_kinks(instrumented, program):
        tally.add(backend, "near a kink")
        assume(False)
    fn = load(program.source).program
    expected = fn(*fresh(program.args))
    assert math.isfinite(expected)  # the generator's guarantee
    try:
        args = fresh(program.args)
        value, grads = srcdiff.value_and_grad(fn, wrt=program.wrt, backend=backend)(*args)
    except SrcdiffError as e:
        refused = documented_refusal(e, program)
        if refused is None:
            raise
        tally.add(backend, f"refused ({refused})")
        return
    for arg, original in zip(args, program.args):
        np.testing.assert_array_equal(arg, original, err_msg="the gradient wrote into an argument")
    if program.probes or program.stale_views:
        tally.add(backend, "accepted a refusable program")
    close = dict(rel=1e-5, abs=1e-6) if program.float32 else dict(rel=1e-10, abs=1e-12)
    assert value == pytest.approx(expected, **close), "value differs from the function's"
    check_directional(fn, program, grads)
    if compare_records:
        every = srcdiff.value_and_grad(fn, wrt=program.wrt, backend=backend, record="all")
        every = every(*fresh(program.args))
        assert every[0] == pytest.approx(value, **close)
        for got, oracle in zip(grads, every[1]):
            np.testing.assert_allclose(
                got, oracle, rtol=close["rel"], atol=close["abs"], err_msg='record="all"'
            )
    tally.add(backend, "checked")


def check_directional(fn, program: Program, grads: tuple) -> None:
    """`check_grads`' comparison: <gradient, v> against a central difference along v."""
    for i, g in zip(program.wrt, grads):
        assert np.shape(g) == np.shape(program.args[i]), f"gradient {i} has shape {np.shape(g)}"
    direction = random_direction(program.args, program.wrt, SEED)
    analytic = float(sum(np.sum(np.asarray(g) * v) for g, v in zip(grads, direction)))
    with np.errstate(all="ignore"):
        numeric = float(numerical_directional_derivative(fn, fresh(program.args), program.wrt, direction, H))
    scale = max(abs(analytic), abs(numeric), 1.0)
    rtol, atol = (RTOL32, ATOL32) if program.float32 else (RTOL, ATOL)
    assert abs(analytic - numeric) <= atol + rtol * scale, (
        f"<grad, v> = {analytic!r}, central difference = {numeric!r}"
    )


def run_profile(backend: str, load, tally: Tally, compare_records: bool) -> None:
    """Check PROFILES[PROFILE][backend] programs; in a long run keep going past failures."""

    def check(program: Program) -> None:
        if not KEEP_GOING:
            check_program(program, load, backend, tally, compare_records)
            return
        try:
            check_program(program, load, backend, tally, compare_records)
        except Exception as e:
            if type(e).__module__.startswith("hypothesis"):  # assume(False)
                raise
            keep_failure(program, backend, e, tally)

    run = settings(max_examples=PROFILES[PROFILE][backend], **COMMON)(
        given(program=programs(known_bugs=KNOWN_BUGS))(check)
    )
    started = time.perf_counter()
    try:
        run()
    finally:
        tally.seconds[backend] = tally.seconds.get(backend, 0.0) + time.perf_counter() - started
    failures = [f for f in tally.failures if f["backend"] == backend]
    assert not failures, "\n\n".join(f["error"] + "\n" + f["source"] for f in failures[:3])


def keep_failure(program: Program, backend: str, error: Exception, tally: Tally) -> None:
    tally.add(backend, "FAILED")
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    record = {"backend": backend, "error": text, "source": program.source, "args": repr(program.args)}
    record["traceback"] = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    tally.failures.append(record)
    directory = Path(os.environ.get("SRCDIFF_FUZZ_FAILURES", "fuzz-failures"))
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(program.source.encode()).hexdigest()[:12]
    args = ", ".join(
        f"np.array({a.tolist()!r})" if isinstance(a, np.ndarray) else repr(a) for a in program.args
    )
    path = directory / f"{backend}_{name}.py"
    comment = "\n".join("# " + line for line in text.splitlines())
    path.write_text(f"{program.source}\n\n# {backend}:\n{comment}\nARGS = ({args},)\n")


# ---------------------------------------------------------------- the tests


def test_random_arrays_python(load_module, tally):
    run_profile("python", load_module, tally, compare_records=True)


def test_random_arrays_numba(load_module, tally):
    # record="all" is compared on python: on numba it would double the compile time.
    run_profile("numba", load_module, tally, compare_records=False)


def test_generator_draws_every_construct():
    """Over a fixed set of draws, the generator writes every construct it knows at least once."""
    constructs = {
        "np.zeros(": "zeros",
        "np.empty(": "empty",
        "np.full(": "full",
        "np.zeros_like(": "zeros_like",
        " * 1.0": "copy by * 1.0",
        ".copy()": "copy()",
        "while ": "while",
        "range(1, ": "from 1",
        ", -1, -1)": "downwards",
        ", 2):": "step 2",
        "range(n)": "range(n)",
        "range(2):": "sweeps",
        "- 1]": "b[i - 1]",
        "+ 1]": "b[i + 1]",
        "] += ": "+= write",
        "] *= ": "*= write",
        "] -= ": "-= write",
        "][": "chained index",
        "[:, i": "column write",
        "% ": "histogram",
        "break": "break",
        "else:": "else",
        "np.sum(np.tanh(b": "whole-buffer read in a loop",
        "max(b": "max of an element",
        "np.maximum(": "np.maximum",
        "np.where(": "np.where",
        "np.max(": "np.max",
        "axis=": "axis",
        "keepdims": "keepdims",
        " @ ": "@",
        "np.dot(": "dot",
        ".T": ".T",
        "[1:3]": "slice",
        "[::2]": "step slice",
        "None": "None index",
        "np.log(": "log",
        "np.sqrt(": "sqrt",
        "np.exp(": "exp",
        "smooth(": "helper with a loop",
        "running(": "helper filling np.empty",
        "np.concatenate(": "concatenate",
        "np.stack(": "stack",
        "[np.array([0, 2, 2])]": "integer-array read",
        "np.ravel(": "ravel",
        "        return np.sum": "return in a loop",
        ", 1:3] ": "row slice write",
        "for t": "time stepping",
    }
    seen = Counter()

    @settings(max_examples=1500, **COMMON)
    @given(program=programs(known_bugs=True))
    def collect(program):
        body = program.body
        seen.update(name for text, name in constructs.items() if text in body)
        seen.update(["stale view read"] if program.stale_views else [])
        seen.update(f"probe {p}" for p in program.probes)
        if "    if " in body.replace("        if ", ""):
            seen["top-level if"] += 1
        if re.search(r"^        (\w+) = (0\.5 \* )?\1 ", body, re.M):  # a = a + 0.1 * np.sin(a)
            seen["array rebound in a loop"] += 1

    collect()
    expected = {*constructs.values(), "stale view read", "top-level if", "array rebound in a loop"}
    expected |= {"probe parameter", "probe view", "probe alias"}
    assert set(seen) >= expected, expected - set(seen)


def test_kinks_are_rendered_and_instrumented(load_module):
    from .array_program_text import INSTRUMENTS, PRELUDE, render

    text = "\n\ndef program(x0):\n    v = ⟦maximum:x0;0.5⟧\n    if ⟦gt:v[0];0.7⟧:\n        v = v * 2.0\n"
    text += "    return np.sum(v)\n"
    plain = load_module(PRELUDE + render(text))
    instrumented = load_module(PRELUDE + INSTRUMENTS + render(text, instrumented=True))
    assert "np.maximum(x0, 0.5)" in render(text) and "(v[0] > 0.7)" in render(text)
    x = np.array([0.75, 0.25])
    assert plain.program(x) == instrumented.program(x) == 2.5
    margins, outcomes = kinks(instrumented, (x,))
    assert margins == pytest.approx([0.25, 0.05]) and outcomes == [[True, False], True]
