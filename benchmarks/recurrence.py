"""Scalar recurrence over 10^5 steps: srcdiff's gradient against the compiled primal.

    python -m benchmarks.recurrence [--steps N] [--repeats R]

Workload: x_{k+1} = x_k + dt*(a*sin(x_k) - b*x_k^2), gradient of x_n w.r.t. (a, b).
Reports, measured in one run: numba primal time, srcdiff gradient time, a hand-written
numba adjoint (which stores x_k per step: 8 bytes per iteration), their ratios to the
primal, srcdiff's first-call (transform + compile) time, and the bytes srcdiff stores per
iteration (read off the generated tapes).
"""

from __future__ import annotations

import argparse
import math
import re
import time

import numba
import numpy as np

import srcdiff

from .timing import call_times
from .workloads_scalar import recurrence


@numba.njit(cache=True)
def hand_written_adjoint(a, b, x0, n):
    """value and (d/da, d/db) of `recurrence`, reverse mode written by hand."""
    dt = 1e-3
    xs = np.empty(n)
    x = x0
    for i in range(n):
        xs[i] = x
        x = x + dt * (a * math.sin(x) - b * x * x)
    value = x
    d_x, d_a, d_b = 1.0, 0.0, 0.0
    for i in range(n - 1, -1, -1):
        xi = xs[i]
        s = math.sin(xi)
        d_a += d_x * dt * s
        d_b -= d_x * dt * xi * xi
        d_x = d_x * (1.0 + dt * (a * math.cos(xi) - 2.0 * b * xi))
    return value, (d_a, d_b)


def stored_bytes_per_iteration(source: str) -> int:
    """Sum of the itemsizes of the tapes the generated code allocates."""
    sizes = {"": 8, "np.int64": 8, "np.bool_": 1}
    allocations = re.findall(r"_tape = np\.empty\((.*)\)$", source, re.M)
    return sum(sizes[(re.findall(r", (np\.\w+)$", a) or [""])[0]] for a in allocations)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    inputs = (1.3, 0.7, 0.5, args.steps)

    primal = numba.njit(recurrence)
    t = time.perf_counter()
    gradient = srcdiff.value_and_grad(recurrence, wrt=("a", "b"))
    value, grads = gradient(*inputs)
    first_call = time.perf_counter() - t
    reference_value, reference = hand_written_adjoint(*inputs)
    assert np.allclose(grads, reference, rtol=1e-10) and math.isclose(value, reference_value, rel_tol=1e-12)

    rows = [
        ("numba primal", primal),
        ("srcdiff gradient", gradient),
        ("hand-written adjoint", hand_written_adjoint),
    ]
    results = {name: call_times(fn, inputs, args.repeats) for name, fn in rows}
    base = results["numba primal"][0]
    print(f"scalar recurrence, {args.steps} steps, gradient w.r.t. (a, b)")
    print(f"{'':24}{'median':>12}{'min':>12}{'/ primal':>10}")
    for name, (median, best) in results.items():
        print(f"{name:24}{1e3 * median:>10.3f}ms{1e3 * best:>10.3f}ms{median / base:>10.2f}")
    print(f"srcdiff first call (transform + numba compile, or disk-cache load): {first_call:.3f} s")
    stored = stored_bytes_per_iteration(gradient.source)
    print(f"bytes stored per iteration: srcdiff {stored}, hand-written 8")


if __name__ == "__main__":
    main()
