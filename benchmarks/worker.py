"""One tool over a list of workloads, in its own process: what `python -m benchmarks` runs.

    python -m benchmarks.worker TOOL KEY[,KEY...] --refs DIR [--mode quick] [--repeats R ...]

For each workload: build the inputs, load the numba primal, then time the tool's first call
(transform/trace + compile + run), check its gradient against the reference (the hand-written
adjoint where there is one, else srcdiff's, read from DIR; the hand-written and srcdiff
gradients are written there), measure the peak memory of one more call (which doubles as
the warm-up; skipped when the first call alone took a third of the budget), and time rounds
of (primal, gradient) interleaved. Each event is printed as one JSON line after `MARK`,
which the runner reads as it comes, so that it can stop a workload that overruns its budget.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

from . import suite, tools
from .timing import interleaved, peak_bytes, summary

MARK = "@@benchmark "
TOLERANCE = 1e-8  # ADBench's: max |x - y| / max(1, |x| + |y|)


def emit(**event) -> None:
    print(MARK + json.dumps(event), flush=True)


def check(tool: str, key: str, grads: list, refs: Path) -> dict:
    """Compare with the reference gradient; the hand-written and srcdiff ones become references."""
    if tool in ("hand", "srcdiff"):
        np.savez(refs / f"{key}.{tool}.npz", *grads)
    for reference in ("hand", "srcdiff"):
        path = refs / f"{key}.{reference}.npz"
        if reference != tool and path.exists():
            with np.load(path) as saved:
                expected = [saved[f"arr_{i}"] for i in range(len(saved.files))]
            error = tools.discrepancy(grads, expected)
            return {"reference": reference, "error": error, "correct": bool(error < TOLERANCE)}
    return {"reference": None, "error": None, "correct": None}


def run(tool: str, workload, refs: Path, repeats: int, seconds: float, budget: float, cold: bool) -> dict:
    args = workload.make_inputs()
    if tool != "numba":  # the numba tool's own first call is the primal's compilation
        primal = tools.primal(workload)
        primal(*args)
    if tool == "srcdiff" and cold:  # an empty cache: the first call transforms and compiles
        os.environ["SRCDIFF_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"srcdiff-{workload.key}-", dir=refs)
    started = time.perf_counter()
    gradient, tool_args = tools.prepare(tool, workload, args)
    result = gradient(*tool_args)
    first_call = time.perf_counter() - started
    if tool == "numba":
        primal = gradient
    verdict = check(tool, workload.key, tools.to_numpy(result), refs) if tool != "numba" else {}
    memory, method = None, None
    if first_call < budget / 3:  # else one more slow call risks the budget: the first was the warm-up
        memory, method = peak_bytes(lambda: gradient(*tool_args))  # also the warm-up call
    times = interleaved(
        {"primal": lambda: primal(*args), "gradient": lambda: gradient(*tool_args)},
        repeats,
        seconds,
        warm_up=False,
    )
    return {
        "first_call": first_call,
        "gradient": summary(times["gradient"]),
        "primal": summary(times["primal"]),
        "peak_bytes": memory,
        "memory_method": method,
        **verdict,
    }


def one_line(message: str) -> str:
    """An exception message without terminal colour codes, its lines joined, shortened."""
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", message).split())[:1000]


def warm_runtime(tool: str) -> None:
    """Start the tool's runtime, so that no workload's first call pays for it."""
    if tool == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.block_until_ready(jax.jit(lambda x: x * 2.0)(jax.numpy.ones(2)))
    elif tool == "torch":
        import torch

        x = torch.ones(2, dtype=torch.float64, requires_grad=True)
        torch.autograd.grad((x * x).sum(), [x])
    elif tool == "autograd":
        import autograd

        autograd.grad(lambda x: x * x)(1.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=tools.TOOLS)
    parser.add_argument("workloads", help="comma-separated workload keys")
    parser.add_argument("--refs", type=Path, required=True, help="directory of reference gradients")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0, help="time for the timed rounds")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds the runner allows a workload")
    parser.add_argument("--cold", action="store_true", help="give srcdiff an empty cache for each workload")
    parser.add_argument("--mode", choices=("full", "quick", "tiny"), default="full", help="workload sizes")
    options = parser.parse_args(argv)
    by_key = {w.key: w for w in suite.workloads(options.mode)}
    warm_runtime(options.tool)
    for key in options.workloads.split(","):
        emit(event="start", workload=key)
        try:
            workload = by_key[key]
            settings = (options.repeats, options.seconds, options.budget, options.cold)
            outcome = run(options.tool, workload, options.refs, *settings)
            emit(event="result", workload=key, status="ok", **outcome)
        except Exception as e:  # one workload failing must not stop the others
            traceback.print_exc(file=sys.stderr)
            emit(event="result", workload=key, status="error", message=one_line(f"{type(e).__name__}: {e}"))


if __name__ == "__main__":
    main()
