"""Checking gradients against finite differences: for srcdiff's tests and for users' rules.

`check_grads(f, args)` compares srcdiff's gradient with a central difference
along a random direction (one scalar comparison per call, whatever the shapes):

    (f(x + h v) - f(x - h v)) / 2h  ≈  <grad f(x), v>
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .api import grad as make_grad
from .errors import SrcdiffError


def is_differentiable_argument(a) -> bool:
    return isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f")


def random_direction(args: Sequence, wrt: Sequence[int], seed: int) -> list:
    """One direction per `wrt` argument: a Python float, or an array of its shape."""
    rng = np.random.default_rng(seed)
    return [
        float(rng.standard_normal())
        if not isinstance(args[i], np.ndarray)
        else rng.standard_normal(args[i].shape)
        for i in wrt
    ]


def numerical_directional_derivative(f: Callable, args: Sequence, wrt: Sequence[int], direction, h: float):
    """Central difference of `f` at `args` along `direction` (one entry per `wrt` index).

    Arrays are moved in float64, so a float32 argument is not rounded back to where it was.
    """

    def shifted(sign: float) -> list:
        moved = list(args)
        for i, v in zip(wrt, direction):
            start = np.asarray(args[i], dtype=np.float64) if isinstance(args[i], np.ndarray) else args[i]
            moved[i] = start + sign * h * v
        return moved

    return (f(*shifted(1.0)) - f(*shifted(-1.0))) / (2.0 * h)


def check_grads(
    f: Callable,
    args: Sequence,
    wrt: Sequence[int | str] | int | str | None = None,
    *,
    backend: str = "python",
    rtol: float = 1e-5,
    atol: float = 1e-7,
    h: float = 1e-6,
    seed: int = 0,
    rules=None,
    record: str = "needed",
) -> None:
    """Raise AssertionError unless srcdiff's gradient of `f` matches central differences.

    `wrt` (indices or parameter names, as for `grad`) defaults to every float
    argument: Python floats and float arrays. The check draws a random direction
    `v` (seeded, so failures reproduce) and compares one number, whatever the shapes:
    ``<grad f(x), v>`` against ``(f(x + h v) - f(x - h v)) / 2h``, within
    ``atol + rtol * max(|either|, 1)``. Use it to test your own `defvjp` rules.
    """
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args) if is_differentiable_argument(a))
        if not wrt:
            raise SrcdiffError("check_grads: no float argument to differentiate")
    gradient = make_grad(f, wrt=wrt, backend=backend, rules=rules, record=record)
    grads = gradient(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    indices = gradient.wrt_indices
    for i, g in zip(indices, grads):
        if np.shape(g) != np.shape(args[i]):
            raise AssertionError(
                f"gradient for argument {i} has shape {np.shape(g)}, not {np.shape(args[i])}"
            )
    direction = random_direction(args, indices, seed)
    analytic = float(sum(np.sum(np.asarray(g) * v) for g, v in zip(grads, direction)))
    numeric = float(numerical_directional_derivative(f, args, indices, direction, h))
    scale = max(abs(analytic), abs(numeric), 1.0)
    if not abs(analytic - numeric) <= atol + rtol * scale:
        raise AssertionError(
            f"gradient of {getattr(f, '__name__', f)} disagrees with central differences: "
            f"<grad, v> = {analytic!r}, finite difference = {numeric!r} (seed {seed})"
        )
