"""ADBench bundle adjustment, as one scalar objective.

Cameras `cams` (n, 11) = [rotation r (Rodrigues vector, 3), centre C (3), focal f, principal
point x0 (2), radial distortion kappa (2)], points `X` (m, 3), weights `w` (p,), features
`feats` (p, 2), and observations `obs` (p, 2) = (camera index, point index). Observation i
of camera c and point j has the reprojection residual

    Y = R(r) (X_j - C)               (Rodrigues: Y = P cos t + (u x P) sin t + u (u.P)(1 - cos t),
                                      t = |r|, u = r / t, P = X_j - C; Y = P + r x P if t = 0)
    q = Y[0:2] / Y[2],   s = 1 + kappa_0 |q|^2 + kappa_1 |q|^4
    e_i = w_i (f s q + x0 - feat_i)  (2 values),   and the weight residual  1 - w_i^2,

and the objective is f = 0.5 sum_i (|e_i|^2 + (1 - w_i^2)^2), differentiated with respect to
(cams, X, w). Sizes are ADBench's ba1 (49 cameras, 7776 points, 31843 observations) and, as
ADBench does, every camera, point, weight and feature is a copy of one sample (here a seeded
random one), observation i pairing camera i mod n with point i mod m.
"""

from __future__ import annotations

import math

import numpy as np

from .workload import Workload, in_library


def ba_objective(cams, X, w, feats, obs):
    """0.5 * sum over observations of |w_i (project(cam, X_j) - feat_i)|^2 + (1 - w_i^2)^2."""
    total = 0.0
    for i in range(obs.shape[0]):
        c = obs[i, 0]
        j = obs[i, 1]
        r0, r1, r2 = cams[c, 0], cams[c, 1], cams[c, 2]
        p0, p1, p2 = X[j, 0] - cams[c, 3], X[j, 1] - cams[c, 4], X[j, 2] - cams[c, 5]
        sqtheta = r0 * r0 + r1 * r1 + r2 * r2
        if sqtheta != 0.0:
            theta = math.sqrt(sqtheta)
            cos_t = math.cos(theta)
            sin_t = math.sin(theta)
            u0, u1, u2 = r0 / theta, r1 / theta, r2 / theta
            along = (u0 * p0 + u1 * p1 + u2 * p2) * (1.0 - cos_t)
            y0 = p0 * cos_t + (u1 * p2 - u2 * p1) * sin_t + u0 * along
            y1 = p1 * cos_t + (u2 * p0 - u0 * p2) * sin_t + u1 * along
            y2 = p2 * cos_t + (u0 * p1 - u1 * p0) * sin_t + u2 * along
        else:
            y0 = p0 + r1 * p2 - r2 * p1
            y1 = p1 + r2 * p0 - r0 * p2
            y2 = p2 + r0 * p1 - r1 * p0
        q0 = y0 / y2
        q1 = y1 / y2
        rsq = q0 * q0 + q1 * q1
        distortion = 1.0 + cams[c, 9] * rsq + cams[c, 10] * rsq * rsq
        e0 = w[i] * (cams[c, 6] * distortion * q0 + cams[c, 7] - feats[i, 0])
        e1 = w[i] * (cams[c, 6] * distortion * q1 + cams[c, 8] - feats[i, 1])
        we = 1.0 - w[i] * w[i]
        total += e0 * e0 + e1 * e1 + we * we
    return 0.5 * total


def ba_inputs(n: int, m: int, p: int):
    def make(rng):
        camera = np.concatenate(
            [
                rng.normal(0.0, 0.05, 3),  # rotation
                rng.normal(0.0, 1.0, 3),  # centre
                [400.0 + rng.normal(0.0, 10.0)],  # focal length
                rng.normal(0.0, 1.0, 2),  # principal point
                [-3e-7 * rng.random(), 6e-13 * rng.random()],  # radial distortion
            ]
        )
        point = camera[3:6] + [0.3, -0.2, 10.0] + rng.normal(0.0, 0.5, 3)  # in front of the camera
        weight, feature = 1.0 + 0.1 * rng.random(), rng.normal(0.0, 20.0, 2)
        obs = np.stack([np.arange(p) % n, np.arange(p) % m], axis=1)
        return (
            np.tile(camera, (n, 1)),
            np.tile(point, (m, 1)),
            np.full(p, weight),
            np.tile(feature, (p, 1)),
            obs,
        )

    return make


def vectorized(xp):
    """The objective over all observations at once: a gather of cameras and points, then
    array arithmetic on columns, as a JAX / PyTorch / autograd user writes it."""

    def ba(cams, X, w, feats, obs):
        cam = cams[obs[:, 0]]
        P = X[obs[:, 1]] - cam[:, 3:6]
        r = cam[:, 0:3]
        sqtheta = xp.sum(r * r, 1)
        nonzero = sqtheta != 0.0
        theta = xp.sqrt(xp.where(nonzero, sqtheta, 1.0))
        u = r / theta[:, None]
        cos_t, sin_t = xp.cos(theta)[:, None], xp.sin(theta)[:, None]

        def cross(a, b):
            return [a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1], a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
                    a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]]  # fmt: skip

        along = xp.sum(u * P, 1) * (1.0 - cos_t[:, 0])
        u_cross, r_cross = cross(u, P), cross(r, P)
        Y = [
            xp.where(
                nonzero,
                P[:, a] * cos_t[:, 0] + u_cross[a] * sin_t[:, 0] + u[:, a] * along,
                P[:, a] + r_cross[a],
            )
            for a in range(3)
        ]
        q0, q1 = Y[0] / Y[2], Y[1] / Y[2]
        rsq = q0 * q0 + q1 * q1
        distortion = 1.0 + cam[:, 9] * rsq + cam[:, 10] * rsq * rsq
        e0 = w * (cam[:, 6] * distortion * q0 + cam[:, 7] - feats[:, 0])
        e1 = w * (cam[:, 6] * distortion * q1 + cam[:, 8] - feats[:, 1])
        we = 1.0 - w * w
        return 0.5 * xp.sum(e0 * e0 + e1 * e1 + we * we)

    return ba


def workloads(mode: str) -> list[Workload]:
    n, m, p = (3, 5, 12) if mode == "tiny" else (49, 7776, 31843)
    return [
        Workload(
            name=f"BA n={n} m={m} p={p}",
            key="ba",
            kind="adbench",
            objective=ba_objective,
            wrt=(0, 1, 2),
            inputs=ba_inputs(n, m, p),
            jax=in_library("jax.numpy", vectorized),
            torch=in_library("torch", vectorized),
            autograd=in_library("autograd.numpy", vectorized),
        )
    ]
