"""`python -m benchmarks [--quick | --tiny]`: see benchmarks/runner.py."""

from .runner import main

main()
