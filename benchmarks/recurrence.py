"""Scalar recurrence: n explicit-Euler steps of dx/dt = a sin(x) - b x^2.

    x_0 = x0,   x_{k+1} = x_k + dt (a sin(x_k) - b x_k^2),   dt = 1e-3,   f = x_n,

differentiated with respect to (a, b), for n = 10^5 steps from (a, b, x0) = (1.3, 0.7, 0.5).
A loop workload: nothing to vectorize, every step depends on the one before.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .workload import Workload


def recurrence(a, b, x0, n):
    """n explicit-Euler steps of dx/dt = a*sin(x) - b*x^2 (dt = 1e-3) from x0; returns x_n."""
    dt = 1e-3
    x = x0
    for i in range(n):
        x = x + dt * (a * math.sin(x) - b * x * x)
    return x


@numba.njit(cache=True)
def hand_written_adjoint(a, b, x0, n):
    """(d/da, d/db) of `recurrence`, reverse mode written by hand: stores x_k, 8 bytes a step."""
    dt = 1e-3
    xs = np.empty(n)
    x = x0
    for i in range(n):
        xs[i] = x
        x = x + dt * (a * math.sin(x) - b * x * x)
    d_x, d_a, d_b = 1.0, 0.0, 0.0
    for i in range(n - 1, -1, -1):
        xi = xs[i]
        d_a += d_x * dt * math.sin(xi)
        d_b -= d_x * dt * xi * xi
        d_x = d_x * (1.0 + dt * (a * math.cos(xi) - 2.0 * b * xi))
    return d_a, d_b


def jax_objective():
    import jax.numpy as jnp
    from jax import lax

    def recurrence_jax(a, b, x0, n):
        dt = 1e-3
        step = lambda i, x: x + dt * (a * jnp.sin(x) - b * x * x)
        return lax.fori_loop(0, n, step, jnp.asarray(x0, jnp.float64))

    return recurrence_jax


def python_loop(xp):
    """The recurrence as a PyTorch or autograd user writes it: a Python loop over scalars."""

    def recurrence_loop(a, b, x0, n):
        dt = 1e-3
        x = x0
        for i in range(n):
            x = x + dt * (a * xp.sin(x) - b * x * x)
        return x

    return recurrence_loop


def torch_objective():
    import torch

    return python_loop(torch)


def autograd_objective():
    import autograd.numpy as anp

    return python_loop(anp)


def workloads(mode: str) -> list[Workload]:
    steps = {"full": 100_000, "quick": 10_000, "tiny": 200}[mode]
    return [
        Workload(
            name=f"recurrence ({steps} steps)",
            key="recurrence",
            kind="loop",
            objective=recurrence,
            wrt=(0, 1),
            inputs=lambda rng: (1.3, 0.7, 0.5, steps),
            hand=hand_written_adjoint,
            jax=jax_objective,
            torch=torch_objective,
            autograd=autograd_objective,
        )
    ]
