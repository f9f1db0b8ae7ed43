"""ADBench LSTM: 2 layers, hidden size b = 14, a sequence of c = 1024 steps.

Parameters `main` (4, 4b): per layer l a weight row W_l = main[2l] and a bias row B_l =
main[2l+1]; `extra` (3, b): input weights, output weights, output bias; `state` (4, b): per
layer its initial hidden h_l and cell s_l; `sequence` (c, b). ADBench's cell multiplies
elementwise (its weights are per unit, there is no matrix): with input v and sigma the logistic
function,

    forget = sigma(v W[0:b] + B[0:b]),        ingate = sigma(h W[b:2b] + B[b:2b]),
    outgate = sigma(v W[2b:3b] + B[2b:3b]),   change = tanh(h W[3b:4b] + B[3b:4b]),
    s <- s forget + ingate change,            h <- outgate tanh(s).

Step t feeds v = sequence[t] * extra[0] through layer 0, its hidden state through layer 1,
predicts y = h_1 extra[1] + extra[2] and normalizes it as ADBench does,
ynorm = y - log(2 + sum(exp(y))). The objective is

    f = -sum_{t=0}^{c-2} sum(sequence[t+1] * ynorm_t) / ((c - 1) b),

differentiated with respect to (main, extra); every input is uniform on [-1, 1).
"""

from __future__ import annotations

import math

import numpy as np

from .workload import Workload


def lstm_cell(weight, bias, hidden, cell, v):
    """One ADBench LSTM cell: (new hidden, new cell); `weight`, `bias` are (4, b), a row a gate."""
    forget = 1.0 / (1.0 + np.exp(-(v * weight[0] + bias[0])))
    ingate = 1.0 / (1.0 + np.exp(-(hidden * weight[1] + bias[1])))
    outgate = 1.0 / (1.0 + np.exp(-(v * weight[2] + bias[2])))
    change = np.tanh(hidden * weight[3] + bias[3])
    cell = cell * forget + ingate * change
    return outgate * np.tanh(cell), cell


def lstm_objective(main, extra, state, sequence):
    """Mean negative log-likelihood of the next element under a 2-layer ADBench LSTM."""
    gates = main.reshape(main.shape[0], 4, sequence.shape[1])  # gates[row, gate] is a (b,) vector
    h0, s0, h1, s1 = state[0], state[1], state[2], state[3]
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        h0, s0 = lstm_cell(gates[0], gates[1], h0, s0, sequence[t] * extra[0])
        h1, s1 = lstm_cell(gates[2], gates[3], h1, s1, h0)
        y = h1 * extra[1] + extra[2]
        total += np.sum(sequence[t + 1] * (y - math.log(2.0 + np.sum(np.exp(y)))))
    return -total / ((sequence.shape[0] - 1) * sequence.shape[1])


def lstm_inputs(layers: int, hidden: int, length: int):
    def make(rng):
        uniform = lambda *shape: rng.uniform(-1.0, 1.0, shape)
        return (
            uniform(2 * layers, 4 * hidden),
            uniform(3, hidden),
            uniform(2 * layers, hidden),
            uniform(length, hidden),
        )

    return make


def cell_in(xp, sigmoid):
    def cell(weight, bias, hidden, state, v):
        b = hidden.shape[0]
        forget = sigmoid(v * weight[0:b] + bias[0:b])
        ingate = sigmoid(hidden * weight[b : 2 * b] + bias[b : 2 * b])
        outgate = sigmoid(v * weight[2 * b : 3 * b] + bias[2 * b : 3 * b])
        state = state * forget + ingate * xp.tanh(hidden * weight[3 * b :] + bias[3 * b :])
        return outgate * xp.tanh(state), state

    return cell


def python_loop(xp, sigmoid):
    """As a PyTorch or autograd user writes it: a Python loop over the sequence."""
    cell = cell_in(xp, sigmoid)

    def objective(main, extra, state, sequence):
        h0, s0, h1, s1 = state[0], state[1], state[2], state[3]
        total = 0.0
        for t in range(sequence.shape[0] - 1):
            h0, s0 = cell(main[0], main[1], h0, s0, sequence[t] * extra[0])
            h1, s1 = cell(main[2], main[3], h1, s1, h0)
            y = h1 * extra[1] + extra[2]
            total = total + xp.sum(sequence[t + 1] * (y - xp.log(2.0 + xp.sum(xp.exp(y)))))
        return -total / ((sequence.shape[0] - 1) * sequence.shape[1])

    return objective


def jax_objective():
    import jax
    import jax.numpy as jnp

    cell = cell_in(jnp, jax.nn.sigmoid)

    def objective(main, extra, state, sequence):
        def step(carry, pair):
            h0, s0, h1, s1 = carry
            h0, s0 = cell(main[0], main[1], h0, s0, pair[0] * extra[0])
            h1, s1 = cell(main[2], main[3], h1, s1, h0)
            y = h1 * extra[1] + extra[2]
            return (h0, s0, h1, s1), jnp.sum(pair[1] * (y - jnp.log(2.0 + jnp.sum(jnp.exp(y)))))

        _, terms = jax.lax.scan(step, tuple(state), (sequence[:-1], sequence[1:]))
        return -jnp.sum(terms) / ((sequence.shape[0] - 1) * sequence.shape[1])

    return objective


def torch_objective():
    import torch

    return python_loop(torch, torch.sigmoid)


def autograd_objective():
    import autograd.numpy as anp

    return python_loop(anp, lambda z: 1.0 / (1.0 + anp.exp(-z)))


def workloads(mode: str) -> list[Workload]:
    layers, hidden, length = {"full": (2, 14, 1024), "quick": (2, 14, 256), "tiny": (2, 3, 6)}[mode]
    return [
        Workload(
            name=f"LSTM l={layers} b={hidden} c={length}",
            key="lstm",
            kind="adbench",
            objective=lstm_objective,
            wrt=(0, 1),
            inputs=lstm_inputs(layers, hidden, length),
            jax=jax_objective,
            torch=torch_objective,
            autograd=autograd_objective,
        )
    ]
