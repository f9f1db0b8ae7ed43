"""First-call time of a compiled gradient, in a fresh process and again from the disk cache.

    python -m benchmarks.compile_time

Runs a 20-line scalar function's gradient in three fresh processes sharing one empty cache
directory: the first transforms and compiles, the next two load numba's cached machine code.
Prints the import time of srcdiff, each first call (transform + compile, or cache load), and a
warm call.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, math, time
t0 = time.perf_counter()
import srcdiff
import numba  # the numba backend imports it at first use; count it here so calls are comparable
t1 = time.perf_counter()
from benchmarks.compile_time import twenty_lines
g = srcdiff.grad(twenty_lines, wrt=(0, 1, 2))
t2 = time.perf_counter()
g(0.3, 1.2, -0.7, 4)
t3 = time.perf_counter()
for _ in range(1000):
    g(0.3, 1.2, -0.7, 4)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_call": t3 - t2, "warm_call": (t4 - t3) / 1000}))
"""


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


def run(cache: str) -> dict:
    env = dict(os.environ, SRCDIFF_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        runs = [run(cache) for _ in range(3)]
    labels = ["cold (transform + numba compile)", "second process (disk cache)", "third process (disk cache)"]
    print(f"{'process':<36}{'import srcdiff+numba':>22}{'first call':>14}{'warm call':>14}")
    for label, r in zip(labels, runs):
        print(f"{label:<36}{r['import']:>20.3f} s{r['first_call']:>12.3f} s{1e6 * r['warm_call']:>11.2f} µs")


if __name__ == "__main__":
    main()
