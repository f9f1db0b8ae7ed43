"""Array workloads shared by the benchmarks."""

import numpy as np


def rosenbrock_loop(x):
    """N-dimensional Rosenbrock, sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, as an explicit loop."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


def logistic_loss(w, X, y):
    """Mean binary cross-entropy of a logistic regression, p = sigmoid(Xw):
    -mean(y log p + (1-y) log(1-p)) = mean(log(1 + exp(-z)) + (1-y) z), z = Xw."""
    z = X @ w
    return np.mean(np.log1p(np.exp(-z)) + (1.0 - y) * z)


def mlp_loss(W1, b1, W2, b2, X, y):
    """Mean squared error of a 2-layer tanh MLP: mean((tanh(X W1 + b1) W2 + b2 - y)^2)."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)
