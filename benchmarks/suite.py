"""The workloads, in the order the tables list them."""

from __future__ import annotations

from . import ba, gmm, lstm, recurrence, regression, rosenbrock
from .workload import Workload

FAMILIES = (recurrence, rosenbrock, regression, gmm, ba, lstm)


def workloads(mode: str = "full") -> list[Workload]:
    """Every workload at its benchmark size ("full"), smaller ("quick": loops a tenth as long,
    one GMM), or at a size that runs in microseconds ("tiny", for the test)."""
    return [w for family in FAMILIES for w in family.workloads(mode)]
