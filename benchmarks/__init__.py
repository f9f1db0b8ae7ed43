"""srcdiff benchmarks: workloads, the tools compared on them, and the runner (timings never gate CI).

`python -m benchmarks` runs everything (see runner.py); each workload family is one module
(recurrence, rosenbrock, regression, gmm, ba, lstm) stating its objective's math.
"""
