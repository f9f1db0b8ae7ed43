"""The benchmark runner runs end to end at tiny sizes, so that it cannot rot.

Only srcdiff, the numba primal and the hand-written adjoints are sure to be installed (JAX,
PyTorch and autograd come with the `[bench]` extra); the others run when present and are
reported as skipped otherwise. Nothing here looks at timings.
"""

import importlib.util
import json
import math

import pytest

from benchmarks import report, runner, suite, tools

ALWAYS = ("numba", "srcdiff", "hand")


def test_tiny_run_checks_gradients_and_writes_json_page_and_chart(tmp_path):
    results = tmp_path / "results.json"
    run = runner.main(
        ["--tiny", "--workloads", "recurrence,rosenbrock", "--results", str(results), "--docs", str(tmp_path)]
    )
    assert json.loads(results.read_text()) == run
    for key in ("recurrence", "rosenbrock"):
        for tool in ALWAYS:
            result = run["results"][key][tool]
            assert result["status"] == "ok", result
            assert result["gradient"]["n"] >= 1 and result["first_call"] > 0
        assert run["results"][key]["srcdiff"]["correct"] is True  # against the hand-written adjoint
        for tool in set(tools.TOOLS) - set(ALWAYS):
            assert (tool in run["skipped"]) != (tool in run["results"][key])
            if tool in run["results"][key]:
                assert run["results"][key][tool]["correct"] is True
    page = (tmp_path / "benchmarks.md").read_text()
    assert report.BEGIN in page and report.END in page and "Rosenbrock loop (N=50)" in page
    assert (tmp_path / report.CHART).exists() == (importlib.util.find_spec("matplotlib") is not None)


def test_a_workload_over_budget_is_a_timeout_and_the_rest_still_run(tmp_path):
    run = runner.main(
        ["--tiny", "--tools", "numba", "--workloads", "recurrence,rosenbrock", "--budget", "0.01"]
        + ["--results", str(tmp_path / "r.json")]
    )
    for key in ("recurrence", "rosenbrock"):  # numba cannot compile anything in 10 ms
        assert run["results"][key]["numba"] == {"status": "timeout", "budget": 0.01}
    assert "timeout (> 0.01 s)" in report.table(run)


def test_page_keeps_the_prose_around_the_generated_block(tmp_path):
    run = json.loads(json.dumps(fake_run()))
    (tmp_path / "benchmarks.md").write_text(
        f"# Title\n\nbefore\n\n{report.BEGIN}\nold\n{report.END}\n\nafter\n"
    )
    report.write_docs(run, tmp_path)
    page = (tmp_path / "benchmarks.md").read_text()
    assert page.startswith("# Title\n\nbefore\n\n" + report.BEGIN) and page.endswith(
        report.END + "\n\nafter\n"
    )
    assert "old" not in page and "timeout (> 5 s)" in page and "WRONG" in page and "error" in page


@pytest.mark.parametrize("workload", suite.workloads("tiny"), ids=lambda w: w.key)
def test_every_objective_runs_as_plain_python(workload):
    value = workload.objective(*workload.make_inputs())
    assert math.isfinite(value)


def fake_run() -> dict:
    ok = {
        "status": "ok",
        "first_call": 0.5,
        "gradient": {"median": 2e-3, "min": 1e-3, "max": 3e-3, "n": 3},
        "primal": {"median": 1e-3, "min": 1e-3, "max": 1e-3, "n": 3},
        "peak_bytes": 2**20,
    }
    return {
        "date": "2025-01-01T00:00:00",
        "command": "python -m benchmarks",
        "seconds": 1.0,
        "settings": {"repeats": 3, "seconds": 1.0, "budget": 5.0},
        "machine": {
            "cpu": "cpu",
            "cores": 2,
            "memory_gib": 1.0,
            "os": "os",
            "python": "3",
            "versions": {},
            "srcdiff_commit": "abc",
            "load_before": [0, 0, 0],
            "load_after": [0, 0, 0],
        },  # fmt: skip
        "skipped": {"torch": "torch is not installed"},
        "workloads": [{"key": "w", "name": "W", "kind": "loop"}],
        "results": {
            "w": {
                "numba": ok,
                "srcdiff": {**ok, "reference": None, "error": None, "correct": None},
                "hand": {**ok, "reference": "srcdiff", "error": 1.0, "correct": False},
                "jax": {"status": "timeout", "budget": 5.0},
                "autograd": {"status": "error", "message": "boom"},
            }
        },
    }
