"""Writes into arrays: which SSA values are versions of one buffer, written in place.

In the IR ``x[i] = v`` is an op whose result is a new version of ``x``
(`runtime.store`), so the graph stays in SSA and every analysis treats a write like
any other op. Generated code writes in place: all versions of one array print under
one name. That is sound when the versions never overlap in time, which `coalesce`
checks: every read of an array must be of its current version (Python would see the
write through the old name; srcdiff refuses instead), and the array written into
must be one the function created, not a parameter or a view of another array.

A *buffer* is the set of values joined by writes, and by the branch results and
loop-carried values that pass a written array on. The reverse pass reads a buffer
at the version each op saw in the forward pass: it restores, in reverse order, the
elements each write overwrote (see `reverse`), when it reads a version that a later
write *supersedes*.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from . import dataflow, ir, runtime
from .errors import SrcdiffError
from .ir import Op, Var

# Ops whose result may share memory with an argument: writing into it would write into that.
VIEWS = frozenset(
    [
        ir.COPY,
        np.transpose,
        np.broadcast_to,
        np.reshape,
        np.ravel,
        np.expand_dims,
        np.asarray,
        operator.getitem,
        runtime.sum_to,
    ]
)


@dataclass(frozen=True)
class Buffers:
    """The buffers of a function: each member value's buffer, and the versions a write supersedes."""

    buffer_of: dict  # member value → its buffer's id
    superseded: frozenset  # members that a later write (or a later iteration's write) overwrites
    stores: tuple  # the write ops

    def __contains__(self, value) -> bool:
        return value in self.buffer_of


def analyze(func: ir.Function) -> Buffers:
    """Group the values joined by writes, branch results and loop-carried values into buffers."""
    stores = tuple(op for op in ir.ops_in(func.body) if op.fn is runtime.store)
    parent: dict = {}

    def find(v):
        while parent.get(v, v) is not v:
            v = parent[v]
        return v

    def union(values) -> bool:
        values = [v for v in values if isinstance(v, Var)]
        roots = {find(v) for v in values}
        if len(roots) < 2 and all(v in parent for v in values):
            return False
        first = next(iter(roots))
        for v in values:
            parent.setdefault(v, v)
        for r in roots:
            parent[r] = first
        return True

    def made_each_iteration(value, loop) -> bool:
        """Whether `value`'s buffer is made anew at the top of every iteration of `loop`."""
        return any(
            isinstance(op, Op)
            and op.fn is not runtime.store
            and op.result in parent
            and find(op.result) is find(value)
            for op in loop.body.ops
        )

    spans = program_spans(func.body) if stores else {}

    def written_after(value, loop) -> bool:
        """Whether a write into `value`'s buffer comes after `loop` (it may run no iteration)."""
        return any(spans[id(op)][0] > spans[id(loop)][1] and find(op.args[0]) is find(value) for op in stores)

    for op in stores:
        union([op.args[0], op.result])
    slots = list(joins(func.body))
    changed = True
    while changed:
        changed = False
        for slot, stmt in slots:
            if not any(v in parent for v in slot if isinstance(v, Var)):
                continue
            if len(slot) == 4 and slot[1] not in parent and made_each_iteration(slot[2], stmt):
                continue  # `u = new` of an array made each iteration: u refers to one no longer written
            fresh = len(slot) == 4 and not {slot[1], slot[2]} & parent.keys()
            if fresh and not (written_after(slot[0], stmt) or written_after(slot[3], stmt)):
                continue  # `v = v + 1.0` rebinds v to new arrays; the first (the result, after no
                # iteration) is not written again
            changed |= union(slot)
    buffer_of = {v: id(find(v)) for v in parent}
    joined = [slot for slot, _ in slots if all(v in parent for v in slot if isinstance(v, Var))]
    return Buffers(buffer_of, supersede(stores, joined, buffer_of), stores)


def program_spans(block: ir.Block) -> dict:
    """id of each statement → (its position in program order, the last position inside it)."""
    spans: dict = {}
    position = 0

    def visit(b: ir.Block) -> None:
        nonlocal position
        for stmt in b.ops:
            first = position
            position += 1
            for region in ir.regions(stmt):
                visit(region)
            spans[id(stmt)] = (first, position - 1)

    visit(block)
    return spans


def joins(block: ir.Block):
    """(values that are one variable at a join, the statement joining them): branch results and
    loop-carried values."""
    for stmt in ir.walk(block):
        if isinstance(stmt, ir.If):
            yield from ((slot, stmt) for slot in zip(stmt.results, stmt.then.yields, stmt.orelse.yields))
        elif isinstance(stmt, (ir.For, ir.While)):
            slots = zip(stmt.inits, stmt.body.args, stmt.body.yields, stmt.results)
            yield from ((slot, stmt) for slot in slots)


def supersede(stores: tuple, slots: list, buffer_of: dict) -> frozenset:
    """Members from which a write is reachable along version edges: their buffer changes later."""
    earlier = defaultdict(set)  # version → the versions it was made from
    for op in stores:
        earlier[op.result].add(op.args[0])
    for slot in slots:
        if len(slot) == 3:  # result ← either branch's yield
            earlier[slot[0]].update(slot[1:])
        else:  # arg ← init, arg ← yield (the next iteration), result ← yield
            init, arg, yielded, result = slot
            earlier[arg].update((init, yielded))
            earlier[result].add(yielded)
    seen = {op.args[0] for op in stores}
    frontier = list(seen)
    while frontier:
        for v in earlier.get(frontier.pop(), ()):
            if isinstance(v, Var) and v in buffer_of and v not in seen:
                seen.add(v)
                frontier.append(v)
    return frozenset(seen)


# ---------------------------------------------------------------- checking and naming


def coalesce(func: ir.Function, user_names: dict) -> tuple:
    """Check that each buffer's versions can share one array, and give them one name.
    `user_names` maps SSA names to the user's (``x_2`` → ``x``), for messages. Returns the
    reads of ``x[i]`` after a write into ``x`` that are errors if ``x[i]`` is a view (a row):
    `pipeline` checks them once types are known."""
    buffers = analyze(func)
    if not buffers.stores:
        return ()
    check_owned(func, buffers)
    roots = {op.result for op in ir.ops_in(func.body) if op.result in buffers and op.fn is not runtime.store}
    reads = Reads(buffers, roots, user_names, dataflow.live_values(func))
    reads.block(func.body, {}, yields_at=func.return_loc)
    names: dict = {}
    for v in members_in_order(func, buffers):
        names.setdefault(buffers.buffer_of[v], v.name)
        v.name = names[buffers.buffer_of[v]]
    return tuple(reads.view_reads)


def members_in_order(func: ir.Function, buffers: Buffers) -> list:
    """The members of `buffers` in the order the program defines them."""
    out = []
    for stmt in ir.walk(func.body):
        for region in ir.regions(stmt):
            out += [a for a in region.args if a in buffers]
        out += [v for v in ir.defined_by(stmt) if v in buffers]
    return list(dict.fromkeys(out))


def check_owned(func: ir.Function, buffers: Buffers) -> None:
    """A written array must be one the function made: not a parameter, not a view of another array."""
    first_write = {}
    for op in buffers.stores:
        first_write.setdefault(buffers.buffer_of[op.result], op)
    for param in func.params:
        if param in buffers:
            op = first_write[buffers.buffer_of[param]]
            raise SrcdiffError(
                f"writing into the parameter '{param.name}': srcdiff does not modify its inputs; "
                f"write into a copy ({param.name} = {param.name}.copy())",
                op.loc,
            )
    for op in ir.ops_in(func.body):
        if op.result in buffers and op.fn in VIEWS:
            write = first_write[buffers.buffer_of[op.result]]
            raise SrcdiffError(
                f"writing into '{op.result.name}', a view of another array ({ir.qualified_name(op.fn)}): "
                f"write into a copy ({op.result.name} = np.copy(...))",
                write.loc,
            )


class Reads:
    """Walks the program in order, knowing each buffer's current version; a read of any other
    version (one a write has replaced) is an error."""

    def __init__(self, buffers: Buffers, roots: set, user_names: dict, live: set):
        self.buffers = buffers
        self.live = live  # the values the result depends on: a stale view nothing uses is harmless
        self.roots = roots  # the members that are new arrays (not versions of another)
        self.user_names = user_names
        self.replaced_by: dict = {}  # version → (the version replacing it, where)
        self.view_base: dict = {}  # a view of a version → (that version, surely a view, index operands)
        self.view_reads: list = []  # (value, index, loc, message): wrong if value is a view

    def block(self, block: ir.Block, current: dict, yields_at=None) -> dict:
        """Walk `block`; its yields are read at `yields_at` (a branch's are passed on instead)."""
        for arg in block.args:
            self.define(arg, current, None)
        for stmt in block.ops:
            if isinstance(stmt, Op):
                self.use(stmt.args, current, stmt.loc)
                self.define(stmt.result, current, stmt.loc)
                self.note_view(stmt)
            elif isinstance(stmt, ir.If):
                self.branches(stmt, current)
            else:
                self.loop(stmt, current)
        self.use(block.yields, current, yields_at, views=yields_at is not False)
        return current

    def branches(self, stmt: ir.If, current: dict) -> None:
        """A view a branch yields makes its result a view of the same version, checked where read."""
        self.use([stmt.cond], current, stmt.loc)
        ends = [self.block(branch, dict(current), yields_at=False) for branch in (stmt.then, stmt.orelse)]
        for result, *yields in zip(stmt.results, stmt.then.yields, stmt.orelse.yields):
            views = [self.view_base[y] for y in yields if y in self.view_base]
            if views:
                self.view_base[result] = views[-1]
        for buffer in {*ends[0], *ends[1]}:
            if ends[0].get(buffer) is not current.get(buffer) or ends[1].get(buffer) is not current.get(
                buffer
            ):
                current[buffer] = None  # changed in a branch: only a branch result may be read after
        for result in stmt.results:
            self.define(result, current, stmt.loc)

    def loop(self, stmt, current: dict) -> None:
        self.use(
            [*stmt.inits, *(getattr(stmt, "start", None), getattr(stmt, "stop", None))], current, stmt.loc
        )
        inside = dict(current)
        if isinstance(stmt, ir.While):
            for arg in stmt.body.args:
                self.define(arg, inside, stmt.loc)
            self.block(stmt.test, inside)
        end = self.block(stmt.body, inside, yields_at=stmt.loc)
        for buffer, version in end.items():
            if version is not current.get(buffer):
                current[buffer] = None  # written in the loop: only a loop result may be read after
        for result in stmt.results:
            self.define(result, current, stmt.loc)

    def define(self, value, current: dict, loc) -> None:
        buffer = self.buffers.buffer_of.get(value)
        if buffer is None:
            return
        old = current.get(buffer)
        if old is not None and old is not value:
            self.replaced_by.setdefault(old, (value, loc))
        current[buffer] = value

    def note_view(self, op: Op) -> None:
        """``c = b[1:3]``, ``c = b.T``: `c` shares memory with the version of `b` it was made from."""
        if op.fn not in VIEWS or not op.args or op.fn is runtime.store:
            return
        base, surely, index = op.args[0], True, ()
        if base in self.view_base:  # a view of a view: of the same array, if both links are views
            base, surely, index = self.view_base[base]
        if base in self.buffers.buffer_of:
            pattern = dict(op.kwargs).get("pattern")
            # x[i] may be an element, x[idx] with an integer array a copy: only types tell
            surely = surely and (op.fn is not operator.getitem or (pattern and "value" not in pattern.value))
            index += op.args[1:] if op.fn is operator.getitem else ()
            self.view_base[op.result] = (base, surely, index)

    def use(self, operands, current: dict, loc, views: bool = True) -> None:
        for a in operands:
            buffer = self.buffers.buffer_of.get(a)
            if buffer is not None and current.get(buffer) is not a:
                raise SrcdiffError(self.stale_read(a), loc or None)
            if views and a in self.view_base and a in self.live:
                base, surely, index = self.view_base[a]
                if current.get(self.buffers.buffer_of[base]) is not base:
                    message = self.stale_view(a, base)
                    if surely:
                        raise SrcdiffError(message, loc)
                    self.view_reads.append((a, index, loc, message))

    def stale_view(self, view: Var, base: Var) -> str:
        name, array = (self.user_names.get(v.name, v.name) for v in (view, base))
        _, where = self.replaced_by.get(base, (None, None))
        line = f" at line {where.line}" if where is not None else " in a loop or branch"
        return (
            f"'{name}' is a view of '{array}' read after a write into '{array}'{line}: Python sees the "
            f"write through the view, and srcdiff would compute with the values before it; take a copy "
            f"({name} = np.copy(...)) or read it before the write"
        )

    def stale_read(self, value: Var) -> str:
        name = self.user_names.get(value.name, value.name)
        newer, where = self.replaced_by.get(value, (None, None))
        line = f" at line {where.line}" if where is not None else ""
        where = line or " in a loop or branch"
        if newer not in self.roots:
            return (
                f"this reads '{name}' as it was before a write into that array{where} "
                "(perhaps through another name bound to it); srcdiff writes arrays in place, so that value "
                f"is gone: copy it before the write ({name}_before = {name}.copy())"
            )
        other = self.user_names.get(newer.name, newer.name)
        return (
            f"'{name}' may share its array with '{other}' (assigned{line}), which is written in place; "
            f"srcdiff needs a written array to have one name at a time: assign a copy "
            f"({name} = {other}.copy() or {other} = {name}.copy())"
        )


def needing_restore(func: ir.Function, buffers: Buffers, reads, is_array) -> frozenset:
    """Buffers that the reverse pass may read at a version a later write replaced.

    `reads(op)` says which operands (and result) the reverse of `op` may read; reading a
    view of an array (``x[1:3]``, ``x.T``; `is_array` tells views from elements) reads the
    array. For these buffers the forward pass keeps what each write overwrites and the
    reverse pass puts it back, so each op's reverse sees the array as its forward pass did.
    """
    view_of = {}
    for op in ir.ops_in(func.body):
        if op.fn in VIEWS and op.args and is_array(op.result):
            base = view_of.get(op.args[0], op.args[0])
            if base in buffers:
                view_of[op.result] = base
    needed = set()
    for op in ir.ops_in(func.body):
        touched = op.args[1:-1] if op.fn is runtime.store else reads(op)
        for v in touched:
            v = view_of.get(v, v)
            if v in buffers.superseded:
                needed.add(buffers.buffer_of[v])
    return frozenset(needed)


def in_place_reads(func: ir.Function, user_names: dict) -> tuple:
    """Reads of a value whose array ``a += v`` changed in place after the value was defined.

    On an array NumPy's ``a += v`` changes a's array, where the SSA makes a new value. The
    two agree unless the array is read afterwards through a value defined before: another
    name bound to it (``b = a``), a view of it, or a loop's initial value. Values share an
    array through views, branch results and loop-carried values (a conservative union).
    Runs before pruning (which drops a dead ``a += v``); returns ``(array, value, index,
    loc, message)`` for each such read, which `pipeline` raises once types say both are
    arrays and no index is an integer array (then the read is a copy).
    """
    in_place = [op for op in ir.ops_in(func.body) if op.in_place and isinstance(op.args[0], Var)]
    if not in_place:
        return ()
    parent: dict = {}

    def find(v):
        while parent.get(v, v) is not v:
            v = parent[v]
        return v

    def union(a, b) -> None:
        if isinstance(a, Var) and isinstance(b, Var):
            parent[find(a)] = find(b)

    index_of: dict = {}  # a view → the index operands of getitems on the way to its array
    for stmt in ir.walk(func.body):
        if isinstance(stmt, Op) and (stmt.in_place or stmt.fn in VIEWS) and stmt.args:
            union(stmt.result, stmt.args[0])
            if stmt.fn in VIEWS:
                extra = stmt.args[1:] if stmt.fn is operator.getitem else ()
                index_of[stmt.result] = index_of.get(stmt.args[0], ()) + tuple(extra)
        elif isinstance(stmt, ir.If):
            for r, t, e in zip(stmt.results, stmt.then.yields, stmt.orelse.yields):
                union(r, t), union(r, e)
        elif isinstance(stmt, (ir.For, ir.While)):
            for arg, init, y, r in zip(stmt.body.args, stmt.inits, stmt.body.yields, stmt.results):
                union(arg, init), union(arg, y), union(arg, r)
    live = dataflow.live_values(func)
    defined: set = set(func.params)
    stale: dict = {}  # a value whose array was changed in place after it was defined → that op
    found: list = []

    def define(values) -> None:
        for v in values:
            if isinstance(v, Var):
                defined.add(v)
                stale.pop(v, None)

    def use(operands, loc) -> None:
        for a in operands:
            op = stale.get(a)
            if op is None or a not in live:
                continue
            name, array = (user_names.get(v.name, v.name) for v in (a, op.args[0]))
            reader = "this reads it through another name" if name == array else f"'{name}' shares it"
            symbol = ir.BINARY_SYMBOLS.get(op.fn, "?")
            message = (
                f"`{array} {symbol}= ...` at line {op.loc.line} changes the array '{array}' in place "
                f"(NumPy's augmented assignment makes no new array), {reader}, and srcdiff would read "
                f"the old values: write `{array} = {array} {symbol} ...` to make a new array, or read a copy"
            )
            found.append((op.args[0], a, index_of.get(a, ()), loc, message))

    def block(b: ir.Block, yields_at) -> None:
        define(b.args)
        for stmt in b.ops:
            if isinstance(stmt, Op):
                use(stmt.args, stmt.loc)
                if stmt.in_place and isinstance(stmt.args[0], Var):
                    root = find(stmt.args[0])
                    stale.update((v, stmt) for v in defined if find(v) is root)
                define([stmt.result])
            elif isinstance(stmt, ir.If):
                use([stmt.cond], stmt.loc)
                before = dict(stale)
                block(stmt.then, stmt.loc)
                after_then = dict(stale)
                stale.clear()
                stale.update(before)
                block(stmt.orelse, stmt.loc)
                stale.update(after_then)
                define(stmt.results)
            else:
                use([*stmt.inits, *(getattr(stmt, k, None) for k in ("start", "stop", "step"))], stmt.loc)
                for _ in range(2):  # the second pass sees what the first iteration changed
                    define(stmt.body.args)
                    if isinstance(stmt, ir.While):
                        block(stmt.test, stmt.loc)
                    block(stmt.body, stmt.loc)
                define(stmt.results)
        use(b.yields, yields_at)

    block(func.body, func.return_loc)
    return tuple(dict.fromkeys(found))
