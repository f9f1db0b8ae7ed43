"""ADBench Gaussian mixture model: the log-likelihood with a Wishart prior.

Inputs (ADBench's layout): `alphas` (k,) unnormalized log mixture weights, `means` (k, d),
`icf` (k, d + d(d-1)/2) inverse-covariance factors, each row the log-diagonal q of the
lower-triangular Q followed by its strictly-lower entries L stored column by column, data
`x` (n, d), Wishart parameters gamma and m. With Q_c = diag(exp(q_c)) + L_c,

    f = C + sum_i logsumexp_c(alpha_c + sum(q_c) - 0.5 ||Q_c (x_i - mu_c)||^2)
          - n logsumexp(alpha)
          + sum_c [0.5 gamma^2 (||exp(q_c)||^2 + ||L_c||^2) - m sum(q_c)]

where C, which depends on no parameter, is `gmm_constant(d, k, n, gamma, m)`. The gradient
is taken with respect to (alphas, means, icf). Inputs follow ADBench's generator: alphas
and icf standard normal, means uniform on [0, 1), x standard normal, gamma = 1, m = 0.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy.special import multigammaln

from .workload import Workload


def gmm_objective(alphas, means, icf, x, wishart_gamma, wishart_m, constant):
    """The GMM objective as scalar loops: Q_c (x_i - mu_c) row by row, an online log-sum-exp."""
    n = x.shape[0]
    d = x.shape[1]
    k = alphas.shape[0]
    qdiag = np.exp(icf[:, :d])
    sum_qs = np.sum(icf[:, :d], axis=1)
    total = 0.0
    for i in range(n):
        top = 0.0
        scaled = 0.0  # sum_c exp(e_c - top), rescaled whenever top grows
        for c in range(k):
            sq = 0.0
            for r in range(d):
                v = qdiag[c, r] * (x[i, r] - means[c, r])
                for j in range(r):
                    v += icf[c, d + j * (d - 1) - j * (j - 1) // 2 + r - j - 1] * (x[i, j] - means[c, j])
                sq += v * v
            e = alphas[c] + sum_qs[c] - 0.5 * sq
            if c == 0:
                top = e
                scaled = 1.0
            elif e > top:
                scaled = scaled * math.exp(top - e) + 1.0
                top = e
            else:
                scaled += math.exp(e - top)
        total += top + math.log(scaled)
    amax = np.max(alphas)
    lse_alphas = amax + math.log(np.sum(np.exp(alphas - amax)))
    frobenius = np.sum(qdiag * qdiag) + np.sum(icf[:, d:] * icf[:, d:])
    prior = 0.5 * wishart_gamma * wishart_gamma * frobenius - wishart_m * np.sum(sum_qs)
    return constant + total - n * lse_alphas + prior


def gmm_constant(d: int, k: int, n: int, gamma: float, m: int) -> float:
    """The part of the GMM objective that depends on no parameter."""
    dof = d + m + 1
    wishart = dof * d * math.log(gamma / math.sqrt(2.0)) - multigammaln(0.5 * dof, d)
    return -n * d * 0.5 * math.log(2.0 * math.pi) - k * wishart


def gmm_inputs(d: int, k: int, n: int):
    def make(rng):
        alphas = rng.standard_normal(k)
        means = rng.random((k, d))
        icf = rng.standard_normal((k, d + d * (d - 1) // 2))
        x = rng.standard_normal((n, d))
        return alphas, means, icf, x, 1.0, 0, gmm_constant(d, k, n, 1.0, 0)

    return make


@numba.njit(cache=True)
def hand_written_adjoint(alphas, means, icf, x, wishart_gamma, wishart_m, constant):
    """(d/dalphas, d/dmeans, d/dicf) of `gmm_objective`, reverse mode written by hand.

    Per point, the forward sweep keeps x_i - mu_c and Q_c (x_i - mu_c) for every component;
    the reverse sweep weights each component by its softmax share exp(e_c - lse_i).
    """
    n, d = x.shape
    k = alphas.shape[0]
    qdiag = np.exp(icf[:, :d])
    d_alphas = np.zeros(k)
    d_means = np.zeros((k, d))
    d_icf = np.zeros(icf.shape)
    d_qdiag = np.zeros((k, d))
    d_sum_qs = np.zeros(k)
    xc = np.empty((k, d))
    qx = np.empty((k, d))
    e = np.empty(k)
    for i in range(n):
        for c in range(k):
            sq = 0.0
            for r in range(d):
                xc[c, r] = x[i, r] - means[c, r]
            for r in range(d):
                v = qdiag[c, r] * xc[c, r]
                for j in range(r):
                    v += icf[c, d + j * (d - 1) - j * (j - 1) // 2 + r - j - 1] * xc[c, j]
                qx[c, r] = v
                sq += v * v
            e[c] = alphas[c] + np.sum(icf[c, :d]) - 0.5 * sq
        top = np.max(e)
        lse = top + math.log(np.sum(np.exp(e - top)))
        for c in range(k):
            weight = math.exp(e[c] - lse)
            d_alphas[c] += weight
            d_sum_qs[c] += weight
            for r in range(d):
                d_v = -weight * qx[c, r]
                d_qdiag[c, r] += d_v * xc[c, r]
                d_xc = d_v * qdiag[c, r]
                for j in range(r):
                    index = d + j * (d - 1) - j * (j - 1) // 2 + r - j - 1
                    d_icf[c, index] += d_v * xc[c, j]
                    d_means[c, j] -= d_v * icf[c, index]
                d_means[c, r] -= d_xc
    top = np.max(alphas)
    d_alphas -= n * np.exp(alphas - top) / np.sum(np.exp(alphas - top))
    gamma2 = wishart_gamma * wishart_gamma
    for c in range(k):
        for r in range(d):
            d_icf[c, r] = qdiag[c, r] * (d_qdiag[c, r] + gamma2 * qdiag[c, r]) + d_sum_qs[c] - wishart_m
        for j in range(d, icf.shape[1]):
            d_icf[c, j] += gamma2 * icf[c, j]
    return d_alphas, d_means, d_icf


def lower_gather_index(d: int) -> np.ndarray:
    """Flat (d*d,) positions into [L entries..., 0] that build the strictly-lower L row-major."""
    index = np.full(d * d, d * (d - 1) // 2)
    position = 0
    for j in range(d):
        for r in range(j + 1, d):
            index[r * d + j] = position
            position += 1
    return index


def vectorized(xp, logsumexp, gather):
    """The objective as a JAX / PyTorch / autograd user writes it, over (n, k, d) at once."""

    def objective(alphas, means, icf, x, wishart_gamma, wishart_m, constant):
        n, d = x.shape
        k = alphas.shape[0]
        qdiag = xp.exp(icf[:, :d])
        sum_qs = xp.sum(icf[:, :d], 1)
        Ls = gather(icf[:, d:], lower_gather_index(d)).reshape(k, d, d)
        xc = x[:, None, :] - means[None, :, :]
        qx = qdiag[None, :, :] * xc + xp.einsum("kij,nkj->nki", Ls, xc)
        inner = alphas + sum_qs - 0.5 * xp.sum(qx * qx, 2)
        frobenius = xp.sum(qdiag * qdiag) + xp.sum(icf[:, d:] * icf[:, d:])
        prior = 0.5 * wishart_gamma * wishart_gamma * frobenius - wishart_m * xp.sum(sum_qs)
        return constant + xp.sum(logsumexp(inner, 1)) - n * logsumexp(alphas, 0) + prior

    return objective


def jax_objective():
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    def gather(entries, index):
        return jnp.concatenate([entries, jnp.zeros((entries.shape[0], 1))], axis=1)[:, index]

    return vectorized(jnp, lambda a, axis: logsumexp(a, axis=axis), gather)


def torch_objective():
    import torch

    def gather(entries, index):
        padded = torch.cat([entries, torch.zeros(entries.shape[0], 1, dtype=entries.dtype)], 1)
        return padded[:, torch.from_numpy(index)]

    return vectorized(torch, torch.logsumexp, gather)


def autograd_objective():
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    def gather(entries, index):
        return anp.concatenate([entries, anp.zeros((entries.shape[0], 1))], axis=1)[:, index]

    return vectorized(anp, lambda a, axis: logsumexp(a, axis=axis), gather)


def workloads(mode: str) -> list[Workload]:
    sizes = {
        "full": [(2, 5, 1000), (10, 25, 1000), (64, 10, 1000)],
        "quick": [(10, 25, 1000)],
        "tiny": [(3, 4, 20)],
    }[mode]
    return [
        Workload(
            name=f"GMM d={d} k={k} n={n}",
            key=f"gmm_d{d}_k{k}",
            kind="adbench",
            objective=gmm_objective,
            wrt=(0, 1, 2),
            inputs=gmm_inputs(d, k, n),
            hand=hand_written_adjoint,
            jax=jax_objective,
            torch=torch_objective,
            autograd=autograd_objective,
        )
        for d, k, n in sizes
    ]
