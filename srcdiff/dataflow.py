"""Dataflow over structured SSA: value-flow edges and one reachability solver.

In SSA every value is defined once, so a flow-insensitive analysis over def-use
edges is exact: "does value a flow into value b" is reachability in the graph of
edges ``arg → result``. Analyses (activity, what to record) are specifications
for this solver: a set of start values, an edge filter, and a direction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from . import ir


def value_edges(func: ir.Function, keep: Callable[[ir.Op, int], bool]) -> list:
    """Edges ``(src, dst)`` along which a value flows into another.

    An op's argument flows into its result where `keep(op, index)` admits it; a
    branch's yield into the `If` result; a loop's initial and yielded values into
    its block argument, and that into the loop's result.
    """
    edges = []
    for stmt in ir.walk(func.body):
        if isinstance(stmt, ir.Op):
            edges += [(a, stmt.result) for i, a in enumerate(stmt.args) if keep(stmt, i)]
        elif isinstance(stmt, ir.If):
            for branch in (stmt.then, stmt.orelse):
                edges += zip(branch.yields, stmt.results)
        else:
            carried = stmt.body.args
            edges += zip(stmt.inits, carried)
            edges += zip(stmt.body.yields, carried)
            edges += zip(carried, stmt.results)
            edges += zip(stmt.body.yields, stmt.results)
    return [(src, dst) for src, dst in edges if isinstance(src, ir.Var)]


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


# ---------------------------------------------------------------- dead-value pruning


def live_values(func: ir.Function) -> set:
    """Values the result depends on (all ops are pure): a backward fixpoint over regions."""
    live = {y for y in func.body.yields if isinstance(y, ir.Var)}
    while True:
        before = len(live)
        for stmt in ir.walk(func.body):
            mark_live(stmt, live)
        if len(live) == before:
            return live


def mark_live(stmt, live: set) -> None:
    def need(*operands) -> None:
        live.update(o for o in operands if isinstance(o, ir.Var))

    if isinstance(stmt, ir.Op):
        if stmt.result in live:
            need(*stmt.args)
    elif isinstance(stmt, ir.If):
        kept = [i for i, r in enumerate(stmt.results) if r in live]
        if kept:
            need(stmt.cond)
        for i in kept:
            need(stmt.then.yields[i], stmt.orelse.yields[i])
    else:
        kept = loop_positions(stmt, live)
        if kept or isinstance(stmt, ir.While) and live & set(stmt.body.args):
            need(*stmt.test.yields) if isinstance(stmt, ir.While) else need(stmt.start, stmt.stop, stmt.step)
        for j in kept:
            need(stmt.inits[j], stmt.body.yields[j], stmt.body.args[j])


def loop_positions(stmt, live: set) -> list:
    """The carried positions of a loop that something live reads."""
    return [j for j, (a, r) in enumerate(zip(stmt.body.args, stmt.results)) if a in live or r in live]


def prune(func: ir.Function) -> ir.Function:
    """A copy of `func` without the ops, branch results and loop-carried values nothing reads."""
    live = live_values(func)

    def block(b: ir.Block, keep_yields=None) -> ir.Block:
        ops = [s for s in (statement(s) for s in b.ops) if s is not None]
        yields = b.yields if keep_yields is None else tuple(b.yields[i] for i in keep_yields)
        args = b.args if keep_yields is None else tuple(b.args[i] for i in keep_yields)
        return ir.Block(args, ops, yields)

    def statement(stmt):
        if isinstance(stmt, ir.Op):
            return stmt if stmt.result in live else None
        if isinstance(stmt, ir.If):
            kept = [i for i, r in enumerate(stmt.results) if r in live]
            if not kept:
                return None
            then, orelse = block(stmt.then), block(stmt.orelse)
            then = ir.Block((), then.ops, tuple(then.yields[i] for i in kept))
            orelse = ir.Block((), orelse.ops, tuple(orelse.yields[i] for i in kept))
            return ir.If(stmt.cond, then, orelse, tuple(stmt.results[i] for i in kept), stmt.loc)
        kept = loop_positions(stmt, live)
        if not kept:
            return None
        body = block(stmt.body, kept)
        inits = tuple(stmt.inits[j] for j in kept)
        results = tuple(stmt.results[j] for j in kept)
        if isinstance(stmt, ir.For):
            return ir.For(stmt.index, stmt.start, stmt.stop, stmt.step, inits, body, results, stmt.loc)
        return ir.While(inits, block(stmt.test), body, results, stmt.loc)

    pruned = ir.Function(func.name, func.params, block(func.body), func.loc, func.return_loc, func.view_reads)
    pruned.in_place_reads = func.in_place_reads
    return pruned
