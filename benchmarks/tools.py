"""The tools compared, each as `prepare(workload, args) -> (gradient, tool_args)`.

`gradient(*tool_args)` returns the gradient with respect to `workload.wrt` (one entry per
parameter) and has finished computing when it returns: JAX's asynchronous dispatch is waited
for. Converting NumPy inputs to the tool's own arrays happens in `prepare`, outside the timed
calls, and `to_numpy` turns a result back for the gradient check. A tool whose library is not
installed is reported by `missing` and never imported.
"""

from __future__ import annotations

import importlib.util
import types

import numba
import numpy as np

from .workload import Workload

TOOLS = ("numba", "srcdiff", "hand", "jax", "torch", "autograd")
LABELS = {
    "numba": "numba primal",
    "srcdiff": "srcdiff",
    "hand": "hand-written (numba)",
    "jax": "JAX jit(grad)",
    "torch": "PyTorch autograd",
    "autograd": "HIPS autograd",
}
MODULES = {
    "numba": "numba",
    "srcdiff": "numba",
    "hand": "numba",
    "jax": "jax",
    "torch": "torch",
    "autograd": "autograd",
}


def missing(tool: str) -> str | None:
    """Why `tool` cannot run here, or None."""
    if importlib.util.find_spec(MODULES[tool]) is None:
        return f"{MODULES[tool]} is not installed (pip install -e '.[bench]')"
    return None


def supports(tool: str, workload: Workload) -> bool:
    return tool in ("numba", "srcdiff") or getattr(workload, tool) is not None


def primal(workload: Workload):
    """The numba-compiled objective every ratio divides by (cached on disk across processes)."""
    return jit(workload.objective, cache=True)


def jit(fn, cache: bool):
    """numba.njit of `fn`, and of the functions of its own module that it calls (as srcdiff
    differentiates through them), which numba would otherwise refuse as untyped globals."""
    namespace = dict(fn.__globals__)
    for name in fn.__code__.co_names:
        callee = namespace.get(name)
        if isinstance(callee, types.FunctionType) and callee.__module__ == fn.__module__:
            namespace[name] = jit(callee, cache)
    clone = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    clone.__qualname__, clone.__module__ = fn.__qualname__, fn.__module__
    return numba.njit(cache=cache)(clone)


def prepare(tool: str, workload: Workload, args: tuple):
    return PREPARE[tool](workload, args)


def prepare_numba(workload, args):
    return jit(workload.objective, cache=False), args  # a fresh dispatcher: its first call compiles


def prepare_srcdiff(workload, args):
    import srcdiff

    return srcdiff.grad(workload.objective, wrt=workload.wrt), args


def prepare_hand(workload, args):
    return workload.hand, args


def prepare_jax(workload, args):
    import jax

    jax.config.update("jax_enable_x64", True)
    static = tuple(i for i, a in enumerate(args) if isinstance(a, int))
    gradient = jax.jit(jax.grad(workload.jax(), argnums=workload.wrt), static_argnums=static)
    tool_args = tuple(jax.numpy.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    return (lambda *a: jax.block_until_ready(gradient(*a))), tool_args


def prepare_torch(workload, args):
    import torch

    def convert(i, a):
        if isinstance(a, (float, np.ndarray)):
            tensor = torch.as_tensor(a, dtype=None if isinstance(a, np.ndarray) else torch.float64)
            return tensor.requires_grad_(i in workload.wrt)
        return a

    objective = workload.torch()

    def gradient(*a):
        return torch.autograd.grad(objective(*a), [a[i] for i in workload.wrt])

    return gradient, tuple(convert(i, a) for i, a in enumerate(args))


def prepare_autograd(workload, args):
    import autograd

    objective = workload.autograd()

    def on_parameters(parameters, *a):
        full = list(a)
        for i, p in zip(workload.wrt, parameters):
            full[i] = p
        return objective(*full)

    grad = autograd.grad(on_parameters)
    return (lambda *a: grad(tuple(a[i] for i in workload.wrt), *a)), args


PREPARE = {
    "numba": prepare_numba,
    "srcdiff": prepare_srcdiff,
    "hand": prepare_hand,
    "jax": prepare_jax,
    "torch": prepare_torch,
    "autograd": prepare_autograd,
}


def to_numpy(result) -> list[np.ndarray]:
    """A tool's gradient as a list of float64 arrays, one per parameter."""
    if not isinstance(result, (tuple, list)):
        result = (result,)
    return [np.asarray(r.detach() if hasattr(r, "detach") else r, dtype=np.float64) for r in result]


def discrepancy(result: list, reference: list) -> float:
    """ADBench's criterion: max |x - y| / max(1, |x| + |y|) over every gradient entry."""
    worst = 0.0
    for x, y in zip(result, reference):
        if x.shape != y.shape:
            return float("inf")
        if x.size:
            worst = max(worst, float(np.max(np.abs(x - y) / np.maximum(1.0, np.abs(x) + np.abs(y)))))
    return worst
