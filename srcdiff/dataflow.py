"""Dataflow over structured SSA: value-flow edges and one reachability solver.

In SSA every value is defined once, so a flow-insensitive analysis over def-use
edges is exact: "does value a flow into value b" is reachability in the graph of
edges ``arg → result``. Analyses (activity, what to record) are specifications
for this solver: a set of start values, an edge filter, and a direction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from . import ir


def walk_ops(block: ir.Block) -> Iterator[ir.Op]:
    """Every op of `block`, in program order (nested regions included, once they exist)."""
    yield from block.ops


def value_edges(func: ir.Function, keep: Callable[[ir.Op, int], bool]) -> list:
    """Edges ``(arg, result)`` for each op argument that `keep(op, index)` admits."""
    return [
        (arg, op.result)
        for op in walk_ops(func.body)
        for i, arg in enumerate(op.args)
        if isinstance(arg, ir.Var) and keep(op, i)
    ]


def reachable(starts: Iterable, edges: list, backward: bool = False) -> frozenset:
    """The values reachable from `starts` along `edges` (reversed if `backward`)."""
    successors = defaultdict(list)
    for src, dst in edges:
        if backward:
            src, dst = dst, src
        successors[src].append(dst)
    seen = set(starts)
    frontier = list(seen)
    while frontier:
        for nxt in successors[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return frozenset(seen)
