"""Timing helpers shared by the benchmark scripts."""

import statistics
import time


def call_times(fn, args, repeats: int) -> tuple[float, float]:
    """(median, min) seconds per call of ``fn(*args)`` over `repeats` calls after one warm-up."""
    fn(*args)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)
