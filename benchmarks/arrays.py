"""Array workloads: srcdiff's gradient against the numba-compiled primal, measured in one run.

    python -m benchmarks.arrays [--repeats R]

Workloads: Rosenbrock as an explicit loop over 10^4 elements; logistic-regression loss,
100000 x 100; a 2-layer MLP (batch 1024, 64-256-1). Reports median time of the primal
(numba) and of srcdiff's gradient, their ratio, and srcdiff's first-call time.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

import srcdiff

from . import workloads_arrays as w
from .timing import call_times


def workloads(rng) -> list:
    X = rng.standard_normal((100_000, 100))
    y = (rng.random(100_000) > 0.5).astype(float)
    Xm, ym = rng.standard_normal((1024, 64)), rng.standard_normal((1024, 1))
    mlp = (
        rng.standard_normal((64, 256)) * 0.1,
        np.zeros(256),
        rng.standard_normal((256, 1)) * 0.1,
        np.zeros(1),
    )
    return [
        ("rosenbrock loop (10^4)", w.rosenbrock_loop, (rng.standard_normal(10_000),), 0),
        ("logistic regression (100000 x 100)", w.logistic_loss, (rng.standard_normal(100) * 0.01, X, y), 0),
        ("MLP 64-256-1, batch 1024", w.mlp_loss, (*mlp, Xm, ym), (0, 1, 2, 3)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"{'workload':38}{'primal':>11}{'gradient':>11}{'ratio':>8}{'first call':>12}")
    for name, fn, inputs, wrt in workloads(np.random.default_rng(0)):
        primal = numba.njit(fn)
        t = time.perf_counter()
        gradient = srcdiff.grad(fn, wrt=wrt)
        gradient(*inputs)
        first = time.perf_counter() - t
        tp, tg = call_times(primal, inputs, args.repeats)[0], call_times(gradient, inputs, args.repeats)[0]
        print(f"{name:38}{1e3 * tp:>9.3f}ms{1e3 * tg:>9.3f}ms{tg / tp:>8.2f}{first:>11.2f}s")


if __name__ == "__main__":
    main()
