"""The ADBench Gaussian-mixture objective and its gradient, written in the loop style numba users write.

    python examples/gmm.py            # d=10, k=25, n=1000: value, gradient check, timings
    python examples/gmm.py --small    # d=3, k=4, n=20 (what the tests run)

The objective (Srajer, Habib, Azad, Bischof: "A benchmark of selected algorithmic
differentiation tools on some problems in computer vision and machine learning", 2018) of
weights `alphas` (k), means (k, d) and inverse-covariance factors `icf` (k, d(d+1)/2), for
data x (n, d):

    Q_k = L_k with diagonal exp(icf[k, :d]) and, below it, icf[k, d:] column by column
    f = -n d/2 log(2 pi)
        + sum_i logsumexp_k( alphas[k] + sum(icf[k, :d]) - |Q_k (x_i - means[k])|^2 / 2 )
        - n logsumexp(alphas)
        + gamma^2/2 sum_k (|exp(icf[k, :d])|^2 + |icf[k, d:]|^2) - m sum_k sum(icf[k, :d])
        - k C(d, gamma, m)

(the last two lines are the Wishart prior; C does not depend on the parameters). Each
log-sum-exp is shifted by its maximum. The product Q_k (x_i - means[k]) is written into
an array element by element: srcdiff differentiates the writes, and its reverse pass
stores only the values the writes' adjoints need.
"""

import math
import sys
import time

import numpy as np

import srcdiff
from srcdiff.testing import check_grads


def gmm_objective(alphas, means, icf, x, gamma, m):
    n, d = x.shape
    k = alphas.shape[0]
    data_term = 0.0
    for i in range(n):
        scores = np.empty(k)
        for c in range(k):
            centered = x[i] - means[c]
            qx = np.exp(icf[c, :d]) * centered  # the diagonal of Q_c
            pos = d
            for j in range(d):  # the strictly lower part, column by column
                for r in range(j + 1, d):
                    qx[r] += icf[c, pos] * centered[j]
                    pos += 1
            scores[c] = alphas[c] + np.sum(icf[c, :d]) - 0.5 * np.sum(qx * qx)
        top = np.max(scores)
        data_term += top + math.log(np.sum(np.exp(scores - top)))
    top = np.max(alphas)
    lse_alphas = top + math.log(np.sum(np.exp(alphas - top)))
    diagonal = icf[:, :d]
    frobenius = np.sum(np.exp(diagonal) ** 2) + np.sum(icf[:, d:] ** 2)
    prior = 0.5 * gamma * gamma * frobenius - m * np.sum(diagonal)
    return -0.5 * n * d * math.log(2.0 * math.pi) + data_term - n * lse_alphas + prior


def wishart_constant(d: int, k: int, gamma: float, m: int) -> float:
    """k C(d, gamma, m): the prior's normalizer, which the gradient does not need."""
    dof = d + m + 1
    log_gamma_d = 0.25 * d * (d - 1) * math.log(math.pi)
    log_gamma_d += sum(math.lgamma(0.5 * dof + 0.5 * (1 - j)) for j in range(1, d + 1))
    return k * (dof * d * (math.log(gamma) - 0.5 * math.log(2.0)) - log_gamma_d)


def reference_objective(alphas, means, icf, x, gamma, m) -> float:
    """The same objective written with whole-array NumPy, independently, to check the loops."""
    n, d = x.shape
    k = len(alphas)
    lower = np.zeros((k, d, d))
    rows, cols = np.tril_indices(d, -1)
    order = np.lexsort((rows, cols))  # ADBench fills the strictly lower part column by column
    lower[:, rows[order], cols[order]] = icf[:, d:]
    q = lower + np.einsum("kd,de->kde", np.exp(icf[:, :d]), np.eye(d))
    centered = x[:, None, :] - means[None]
    qx = np.einsum("kde,nke->nkd", q, centered)
    scores = alphas + icf[:, :d].sum(1) - 0.5 * (qx**2).sum(2)
    top = scores.max(1, keepdims=True)
    lse = (top[:, 0] + np.log(np.exp(scores - top).sum(1))).sum()
    lse_alphas = alphas.max() + np.log(np.exp(alphas - alphas.max()).sum())
    prior = 0.5 * gamma**2 * ((np.exp(icf[:, :d]) ** 2).sum() + (icf[:, d:] ** 2).sum())
    prior -= m * icf[:, :d].sum()
    return -0.5 * n * d * math.log(2 * math.pi) + lse - n * lse_alphas + prior


def make_inputs(d: int, k: int, n: int, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    alphas = rng.normal(size=k)
    means = rng.uniform(size=(k, d))
    icf = rng.normal(scale=0.3, size=(k, d * (d + 1) // 2))
    x = rng.normal(size=(n, d))
    return alphas, means, icf, x, 1.0, 0


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(small: bool) -> None:
    d, k, n = (3, 4, 20) if small else (10, 25, 1000)
    args = make_inputs(d, k, n)
    value_and_grad = srcdiff.value_and_grad(gmm_objective, wrt=("alphas", "means", "icf"))
    started = time.perf_counter()
    value, (d_alphas, d_means, d_icf) = value_and_grad(*args)
    first_call = time.perf_counter() - started
    constant = wishart_constant(d, k, args[4], args[5])
    print(f"GMM d={d} k={k} n={n}: objective {value - constant:.6f} (first call {first_call:.2f} s)")
    expected = reference_objective(*args)
    assert math.isclose(value, expected, rel_tol=1e-10), (value, expected)
    print("  matches the whole-array NumPy objective")
    check_grads(gmm_objective, args, wrt=(0, 1, 2), backend="numba")
    print("  gradient w.r.t. (alphas, means, icf) agrees with central differences")
    print(
        f"  |d alphas| = {np.linalg.norm(d_alphas):.4f}, |d means| = {np.linalg.norm(d_means):.4f}, "
        f"|d icf| = {np.linalg.norm(d_icf):.4f}"
    )
    if not small:
        import numba

        primal = numba.njit(gmm_objective)
        primal(*args)
        t_primal = best_of(lambda: primal(*args))
        t_grad = best_of(lambda: value_and_grad(*args))
        print(
            f"  numba primal {1e3 * t_primal:.2f} ms, srcdiff value and gradient {1e3 * t_grad:.2f} ms "
            f"({t_grad / t_primal:.2f}x)"
        )


if __name__ == "__main__":
    main(small="--small" in sys.argv)
