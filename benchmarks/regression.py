"""Array workloads, written the same vectorized way for every tool.

Logistic regression on X (100000, 100), labels y in {0, 1}, gradient with respect to w:

    z = X w,   f(w) = mean_i [ log(1 + exp(-z_i)) + (1 - y_i) z_i ]   (binary cross-entropy).

MLP 64-256-256-1 with tanh, batch 1024, gradient with respect to (W1, b1, W2, b2, W3, b3):

    h1 = tanh(X W1 + b1),   h2 = tanh(h1 W2 + b2),   f = mean((h2 W3 + b3 - y)^2).
"""

from __future__ import annotations

import numpy as np

from .workload import Workload, in_library


def logistic_loss(w, X, y):
    """Mean binary cross-entropy of a logistic regression, p = sigmoid(Xw):
    -mean(y log p + (1-y) log(1-p)) = mean(log(1 + exp(-z)) + (1-y) z), z = Xw."""
    z = X @ w
    return np.mean(np.log1p(np.exp(-z)) + (1.0 - y) * z)


def mlp_loss(W1, b1, W2, b2, W3, b3, X, y):
    """Mean squared error of a 3-layer tanh MLP: mean((tanh(tanh(X W1 + b1) W2 + b2) W3 + b3 - y)^2)."""
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    out = h2 @ W3 + b3
    return np.mean((out - y) ** 2)


def logistic_in(xp):
    """`logistic_loss` in another array library: jax.numpy, torch or autograd.numpy."""

    def logistic(w, X, y):
        z = X @ w
        return xp.mean(xp.log1p(xp.exp(-z)) + (1.0 - y) * z)

    return logistic


def mlp_in(xp):
    """`mlp_loss` in another array library."""

    def mlp(W1, b1, W2, b2, W3, b3, X, y):
        h2 = xp.tanh(xp.tanh(X @ W1 + b1) @ W2 + b2)
        return xp.mean((h2 @ W3 + b3 - y) ** 2)

    return mlp


def logistic_inputs(rows: int, features: int):
    def make(rng):
        X = rng.standard_normal((rows, features))
        y = (rng.random(rows) > 0.5).astype(float)
        return rng.standard_normal(features) * 0.01, X, y

    return make


def mlp_inputs(batch: int, sizes: tuple):
    def make(rng):
        params = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            params += [rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in), np.zeros(fan_out)]
        return (*params, rng.standard_normal((batch, sizes[0])), rng.standard_normal((batch, 1)))

    return make


def workloads(mode: str) -> list[Workload]:
    rows, features = {"full": (100_000, 100), "quick": (10_000, 100), "tiny": (200, 5)}[mode]
    batch = {"full": 1024, "quick": 256, "tiny": 16}[mode]
    sizes = (4, 8, 8, 1) if mode == "tiny" else (64, 256, 256, 1)
    return [
        Workload(
            name=f"logistic regression ({rows} x {features})",
            key="logistic",
            kind="array",
            objective=logistic_loss,
            wrt=(0,),
            inputs=logistic_inputs(rows, features),
            jax=in_library("jax.numpy", logistic_in),
            torch=in_library("torch", logistic_in),
            autograd=in_library("autograd.numpy", logistic_in),
        ),
        Workload(
            name=f"MLP {'-'.join(map(str, sizes))}, batch {batch}",
            key="mlp",
            kind="array",
            objective=mlp_loss,
            wrt=(0, 1, 2, 3, 4, 5),
            inputs=mlp_inputs(batch, sizes),
            jax=in_library("jax.numpy", mlp_in),
            torch=in_library("torch", mlp_in),
            autograd=in_library("autograd.numpy", mlp_in),
        ),
    ]
