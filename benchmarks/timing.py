"""Timing and memory helpers shared by the benchmark scripts.

`interleaved` times several calls in rounds, one call of each per round, so that a machine
slowing down or speeding up during the run moves every measurement alike and ratios between
them stay put. `peak_bytes` measures how far one call raises the process's resident set.
"""

from __future__ import annotations

import ctypes
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable


def interleaved(
    calls: dict[str, Callable], repeats: int, seconds: float, warm_up: bool = True
) -> dict[str, list[float]]:
    """Seconds per call of each of `calls` (name → zero-argument function), after one warm-up
    round unless told not to, over `repeats` rounds or as many as fit in `seconds` (at least one)."""
    for call in calls.values() if warm_up else ():
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    started = time.perf_counter()
    for _ in range(repeats):
        round_started = time.perf_counter()
        for name, call in calls.items():
            t = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - t)
        now = time.perf_counter()
        if now + (now - round_started) > started + seconds:
            break
    return times


def summary(times: list[float]) -> dict:
    """Median, min, max and count of a list of timings (seconds)."""
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "n": len(times)}


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def peak_bytes(call: Callable) -> tuple[int | None, str]:
    """(bytes by which one `call()` raised the peak resident set, method used).

    On Linux: free memory is handed back to the OS first (malloc_trim), the high-water mark
    is reset (/proc/self/clear_refs), and the peak after the call is compared with the
    resident set before it, so memory of every allocator counts (numba's, XLA's, PyTorch's).
    Elsewhere, tracemalloc's peak: only memory allocated through Python (NumPy arrays
    included, numba, XLA and PyTorch buffers not).
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _status_kb("VmRSS")
        call()
        return max(0, _status_kb("VmHWM") - before) * 1024, "rss"
    except OSError:
        tracemalloc.start()
        try:
            call()
            return tracemalloc.get_traced_memory()[1], "tracemalloc"
        finally:
            tracemalloc.stop()
