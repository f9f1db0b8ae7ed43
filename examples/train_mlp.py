"""Train a small MLP on two moons with srcdiff gradients and plain gradient descent.

The micrograd demo (a 2-16-16-1 network, hinge loss, L2 regularization), written in
vectorized NumPy and differentiated by srcdiff into numba-compiled code.

    python examples/train_mlp.py
"""

import numpy as np

import srcdiff


def two_moons(n: int, noise: float, rng) -> tuple:
    """Two interleaving half circles (labels -1 and +1), like sklearn's make_moons."""
    angle = rng.uniform(0.0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + noise * rng.standard_normal((n, 2))
    return points, np.where(upper, -1.0, 1.0)


def loss(W1, b1, W2, b2, W3, b3, X, y):
    """Mean hinge loss of a 2-16-16-1 ReLU network, plus 1e-4 * L2 of the weights."""
    h1 = np.maximum(X @ W1 + b1, 0.0)
    h2 = np.maximum(h1 @ W2 + b2, 0.0)
    scores = h2 @ W3 + b3
    margins = np.maximum(1.0 - y * scores[:, 0], 0.0)
    l2 = np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(W3 * W3)
    return np.mean(margins) + 1e-4 * l2


def accuracy(params, X, y) -> float:
    W1, b1, W2, b2, W3, b3 = params
    h = np.maximum(np.maximum(X @ W1 + b1, 0.0) @ W2 + b2, 0.0)
    return float(np.mean(np.sign((h @ W3 + b3)[:, 0]) == y))


def main() -> None:
    rng = np.random.default_rng(1337)
    X, y = two_moons(100, 0.1, rng)
    sizes = [2, 16, 16, 1]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.uniform(-1.0, 1.0, (n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out)]

    value_and_grad = srcdiff.value_and_grad(loss, wrt=(0, 1, 2, 3, 4, 5))
    for step in range(100):
        value, grads = value_and_grad(*params, X, y)
        rate = 1.0 - 0.9 * step / 100
        params = [p - rate * g for p, g in zip(params, grads)]
        if step % 10 == 0 or step == 99:
            print(f"step {step:3d}  loss {value:.4f}  accuracy {accuracy(params, X, y):.0%}")


if __name__ == "__main__":
    main()
