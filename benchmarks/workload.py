"""What a workload is: one objective, its inputs, and how each tool expresses it.

A workload's `objective` is plain Python in the subset srcdiff differentiates; numba compiles
the same function for the primal every ratio divides by. The other tools get their own
version of the objective, written as a user of that tool would (built lazily, so that a tool
that is not installed is never imported).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Workload:
    name: str  # shown in tables, e.g. "GMM d=10 k=25 n=1000"
    key: str  # used on the command line and in the JSON, e.g. "gmm_d10_k25"
    kind: str  # "loop" (scalar loops) or "adbench" / "array": decides which goal applies
    objective: Callable  # the function srcdiff differentiates and numba compiles
    wrt: tuple[int, ...]  # indices of the parameters the gradient is taken with respect to
    inputs: Callable[[np.random.Generator], tuple]  # seeded generator → arguments
    hand: Callable | None = None  # numba hand-written adjoint: arguments → tuple of gradients
    jax: Callable | None = None  # () → the objective in jax.numpy / lax
    torch: Callable | None = None  # () → the objective in torch (float64)
    autograd: Callable | None = None  # () → the objective in autograd.numpy

    def make_inputs(self) -> tuple:
        """The arguments, the same in every process: seeded by the workload's key."""
        return self.inputs(np.random.default_rng(sum(map(ord, self.key))))


def in_library(module: str, objective: Callable) -> Callable:
    """A builder of `objective(xp)` with xp the named array library, imported only when built:
    for workloads whose JAX, PyTorch and autograd versions are the same vectorized code."""

    def build():
        return objective(importlib.import_module(module))

    return build
