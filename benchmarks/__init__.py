"""srcdiff benchmarks: workloads and runners (not tests; timings never gate CI)."""
