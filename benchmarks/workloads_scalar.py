"""Scalar workloads shared by the benchmarks."""

import math


def twenty_lines(a, b, c, n):
    """A 20-line scalar function: a damped oscillator step, a softplus and a log-sum-exp."""
    s = a * math.sin(b) + c * math.cos(a)
    t = math.exp(-0.5 * s * s) / math.sqrt(2.0 * math.pi)
    u = math.tanh(a * b - c)
    v = math.log1p(math.exp(-abs(u))) + max(u, 0.0)
    w = (a - 1.0) ** 2 + 100.0 * (b - a * a) ** 2
    w = math.sqrt(w + 1.0)
    m = max(s, t, u)
    lse = m + math.log(math.exp(s - m) + math.exp(t - m) + math.exp(u - m))
    r = math.hypot(a, c) * n
    q = math.atan2(b, r + 1.0)
    p = s * t - u / (1.0 + v * v)
    p += q * lse
    p -= w / (r + 2.0)
    z = p * p + math.erf(a) * c
    y = z / (1.0 + abs(z))
    x = y + math.expm1(-abs(q))
    k = x * n + s
    k = k * k
    return k + lse


def recurrence(a, b, x0, n):
    """n explicit-Euler steps of dx/dt = a*sin(x) - b*x^2 (dt = 1e-3) from x0; returns x_n."""
    dt = 1e-3
    x = x0
    for i in range(n):
        x = x + dt * (a * math.sin(x) - b * x * x)
    return x
