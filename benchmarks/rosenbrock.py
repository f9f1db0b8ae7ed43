"""Loop-style Rosenbrock in N = 10^4 dimensions:

    f(x) = sum_{i=0}^{N-2} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2,

written as an explicit loop over i (the loop is the point: the vectorized form is an array
workload), differentiated with respect to x, at x standard normal.
"""

from __future__ import annotations

import numba
import numpy as np

from .workload import Workload


def rosenbrock_loop(x):
    """N-dimensional Rosenbrock, sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, as an explicit loop."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


@numba.njit(cache=True)
def hand_written_adjoint(x):
    """(d/dx,) of `rosenbrock_loop`, written by hand: one pass, nothing stored."""
    g = np.zeros_like(x)
    for i in range(x.shape[0] - 1):
        t = x[i + 1] - x[i] * x[i]
        g[i] += -400.0 * t * x[i] - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * t
    return (g,)


def jax_objective():
    from jax import lax

    def rosenbrock_jax(x):
        term = lambda i, s: s + 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
        return lax.fori_loop(0, x.shape[0] - 1, term, 0.0)

    return rosenbrock_jax


def workloads(mode: str) -> list[Workload]:
    n = {"full": 10_000, "quick": 1_000, "tiny": 50}[mode]
    return [
        Workload(
            name=f"Rosenbrock loop (N={n})",
            key="rosenbrock",
            kind="loop",
            objective=rosenbrock_loop,
            wrt=(0,),
            inputs=lambda rng: (rng.standard_normal(n),),
            hand=hand_written_adjoint,
            jax=jax_objective,
            torch=lambda: rosenbrock_loop,  # the same Python loop, over 0-d tensors x[i]
            autograd=lambda: rosenbrock_loop,  # and over autograd's boxed x[i]
        )
    ]
