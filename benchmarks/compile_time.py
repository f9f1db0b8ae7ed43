"""First-call time of a compiled gradient, in a fresh process and again from the disk cache.

    python -m benchmarks.compile_time

Runs a 20-line scalar function's gradient in three fresh processes sharing one empty cache
directory: the first transforms and compiles, the next two load numba's cached machine code.
Prints the import time of srcdiff, each first call (transform + compile, or cache load), and a
warm call.
"""

from __future__ import annotations

import json
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
from benchmarks.workloads_scalar import twenty_lines
g = srcdiff.grad(twenty_lines, wrt=(0, 1, 2))
t2 = time.perf_counter()
g(0.3, 1.2, -0.7, 4)
t3 = time.perf_counter()
for _ in range(1000):
    g(0.3, 1.2, -0.7, 4)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_call": t3 - t2, "warm_call": (t4 - t3) / 1000}))
"""


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
