"""What the forward pass keeps for the reverse pass, and how the reverse pass reads it back.

Outside loops a primal value is a local variable the reverse pass simply reads. A
value defined inside a loop body is overwritten by the next iteration, so if the
reverse pass reads it, the forward pass stores it per iteration on a tape (an array
indexed by the loop's iteration counter) and each reverse iteration reads it back
(``x_1 = x_1_tape[k]``). A top-level ``for`` knows its trip count at entry, so its
tapes are allocated exactly; other tapes grow (`runtime.push`). A ``while`` loop also
counts its trips, which its reverse needs.

Mode ``"needed"`` stores exactly the loop values the reverse pass reads (the reads
are decided lazily, when a rule's body uses a value); mode ``"all"`` stores every
loop value: the naive oracle the tests compare against.
"""

from __future__ import annotations

import operator
from collections import defaultdict

import numpy as np

from . import ir, runtime
from .errors import SrcdiffError
from .infer import BOOL, INT
from .ir import Const, Op, Symbol, Var
from .types import Array, index_type, type_of_value

RECORD_MODES = ("needed", "all")


def recomputable(op: Op) -> bool:
    """Library primitives are recomputed from the values they read; users' own functions are stored.

    Recomputing a loop body from its carried values is what a hand-written adjoint
    does: it costs a second evaluation but no memory traffic (measured on the scalar
    recurrence benchmark: 1.70x the primal, against 1.98x when storing sin(x)).
    """
    module = getattr(op.fn, "__module__", None) or ""
    library = module in ("_operator", "operator", "math", "builtins") or module.startswith("numpy")
    return op.fn is ir.COPY or library


DTYPES = {INT: "np.int64", BOOL: "np.bool_"}


class Recorder:
    """Plans tapes and counters while the reverse pass is built; then writes the forward pass."""

    def __init__(self, typed, namer, mode: str, written):
        self.types = typed.types
        self.written = written  # buffers.Buffers: arrays written in place are never stored
        self.saves: dict = {}  # write op → the variable keeping the values it overwrites
        self.namer = namer
        self.mode = mode
        self.loop_of: dict = {}  # value → innermost loop whose body defines it
        self.parent: dict = {}  # loop → enclosing loop, or None
        self.top: dict = {}  # loop → the top-level statement that contains it
        self.restored: dict = defaultdict(dict)  # loop → {primal value: its copy in the reverse pass}
        self.taped: dict = defaultdict(list)  # loop → values read back from tapes
        self.recomputed: dict = defaultdict(list)  # loop → ops recomputing cheap values instead
        self.body_ops: dict = {}  # value → its op, for ops at the top level of a loop body
        self.branch_of: dict = {}  # loop value → the if branch (block) defining it
        self.branch_reads: dict = defaultdict(list)  # if branch → values read back at its start
        self.counters: dict = {}  # loop → its iteration counter (a forward-pass variable)
        self.trips: dict = {}  # while loop → its trip-count variable
        self.tapes: dict = {}  # stored value → its tape variable
        self.reversed_loops: list = []  # loops the reverse pass runs backwards
        for stmt in typed.func.body.ops:
            self.index(stmt, None, False, stmt)
        self.last_version = self.arrays_made_in_loops(typed.func)

    def index(self, stmt, loop, direct: bool, top, branch=None) -> None:
        """Record where `stmt`'s values live: `loop` encloses it (directly in its body if
        `direct`; else inside the ``if`` branch `branch`); `top` is the top-level statement."""
        if isinstance(stmt, (ir.For, ir.While)):
            self.parent[stmt], self.top[stmt] = loop, top
            for var in [*stmt.body.args, *([stmt.index] if isinstance(stmt, ir.For) else [])]:
                self.loop_of[var] = stmt
            inner, inner_direct = stmt, True
        else:
            inner, inner_direct = loop, False
        if loop is not None:
            for var in ir.defined_by(stmt):
                self.loop_of[var] = loop
                if branch is not None:
                    self.branch_of[var] = branch  # stored only when the branch runs
            if isinstance(stmt, Op) and direct:
                self.body_ops[stmt.result] = stmt  # runs every iteration: may be recomputed
        for region in ir.regions(stmt):
            inner_branch = region if isinstance(stmt, ir.If) else None
            for s in region.ops:
                self.index(s, inner, inner_direct, top, inner_branch)

    def arrays_made_in_loops(self, func) -> dict:
        """For each written array made anew in every iteration of a loop: the version the loop body
        ends with. The reverse pass reads that back per iteration, then restores older versions."""
        last = {}
        for op in ir.ops_in(func.body):
            if op.result not in self.written or op.fn is runtime.store or op.result not in self.loop_of:
                continue
            loop, buffer = self.loop_of[op.result], self.written.buffer_of[op.result]
            members = [v for v, b in self.written.buffer_of.items() if b == buffer]
            if op.result not in self.body_ops or any(not self.inside(v, loop) for v in members):
                raise SrcdiffError(
                    f"the array '{op.result.name}' is made inside a loop, written, and used outside that "
                    "iteration or made inside a branch: not supported yet; make it before the loop "
                    "or pass on a copy",
                    op.loc,
                )
            top = [v for stmt in loop.body.ops for v in ir.defined_by(stmt)]
            last[buffer] = [v for v in top if v in members][-1]
        return last

    def rewritten(self, op: Op, loop) -> bool:
        """Whether an array `op` reads is written later in the same iteration of `loop`. Recomputing
        at the start of a reverse iteration sees the arrays as the forward iteration left them."""
        buffers = {self.written.buffer_of[a] for a in op.args if a in self.written}
        if not buffers:
            return False
        later = loop.body.ops[loop.body.ops.index(op) + 1 :]
        return any(
            s.fn is runtime.store and self.written.buffer_of[s.result] in buffers
            for stmt in later
            for s in [stmt, *(o for region in ir.regions(stmt) for o in ir.ops_in(region))]
            if isinstance(s, Op)
        )

    def inside(self, value, loop) -> bool:
        """Whether `value` is defined in the body of `loop` (at any depth)."""
        inner = self.loop_of.get(value)
        while inner is not None and inner is not loop:
            inner = self.parent[inner]
        return inner is loop

    # ------------------------------------------------------------ while building the reverse pass

    def read(self, value, index_vars: dict):
        """The operand the reverse pass uses for primal `value` (a restored copy inside loops)."""
        if value in self.written:  # the reverse pass restores a written array in place
            last = self.last_version.get(self.written.buffer_of[value])
            return value if last is None else self.stored_value(last)
        loop = self.loop_of.get(value) if isinstance(value, Var) else None
        if loop is None:
            return value
        if isinstance(loop, ir.For) and value is loop.index:
            return index_vars[loop]
        if value in self.restored[loop]:
            return self.restored[loop][value]
        op = self.body_ops.get(value)
        if self.mode == "needed" and op is not None and recomputable(op) and not self.rewritten(op, loop):
            copy = Var(value.name, ir.RESTORED)
            args = tuple(self.read(a, index_vars) for a in op.args)
            self.recomputed[loop].append(Op(op.fn, args, copy, op.loc, op.kwargs))
            self.restored[loop][value] = copy
            return copy
        return self.stored_value(value)

    def stored_value(self, value: Var) -> Var:
        """`value` read back from its tape at the start of each reverse iteration."""
        loop = self.loop_of[value]
        if value in self.restored[loop]:
            return self.restored[loop][value]
        copy = self.restored[loop][value] = Var(value.name, ir.RESTORED)
        self.taped[loop].append(value)
        if value in self.branch_of:
            self.branch_reads[self.branch_of[value]].append(value)
        return copy

    def save(self, store: Op) -> Var:
        """The variable in which the forward pass keeps what `store` overwrites (``x_old = x[i]``)."""
        if store not in self.saves:
            array, *index, _ = store.args
            saved = self.saves[store] = Var(self.namer.fresh(f"{array.name}_old"), ir.LOCAL)
            options = {k: v.value for k, v in store.kwargs}
            self.types[saved] = index_type([self.types[array], *(self.type_of(a) for a in index)], options)
            if store.result in self.loop_of:
                self.loop_of[saved] = self.loop_of[store.result]
            if store.result in self.branch_of:
                self.branch_of[saved] = self.branch_of[store.result]
        return self.saves[store]

    def type_of(self, operand):
        if isinstance(operand, Var):
            return self.types[operand]
        return None if operand.value is None else type_of_value(operand.value)

    def trip_count(self, loop: ir.While) -> Var:
        """The variable counting `loop`'s iterations (a value defined where the loop is)."""
        if loop not in self.trips:
            trips = self.trips[loop] = Var(self.namer.fresh("trips"), ir.TAPE)
            self.types[trips] = INT
            if self.parent.get(loop) is not None:
                self.loop_of[trips] = self.parent[loop]
        return self.trips[loop]

    def restore_ops(self, loop) -> list:
        """The start of a reverse iteration: step the counter back, read the stored values,
        recompute the cheap ones."""
        ops = []
        if self.taped.get(loop):
            k = self.counter(loop)
            ops.append(Op(operator.sub, (k, Const(1)), Var(k.name, ir.TAPE)))
            for value in self.taped[loop]:
                if value not in self.branch_of:
                    ops.append(Op(operator.getitem, (self.tape(value), k), self.restored[loop][value]))
        return ops + self.recomputed.get(loop, [])

    def branch_restore_ops(self, branch: ir.Block) -> list:
        """The start of a reverse branch: read back the values its forward branch stored."""
        return [
            Op(
                operator.getitem,
                (self.tape(v), self.counter(self.loop_of[v])),
                self.restored[self.loop_of[v]][v],
            )
            for v in self.branch_reads.get(branch, [])
        ]

    def counter(self, loop) -> Var:
        if loop not in self.counters:
            self.counters[loop] = Var(self.namer.fresh("k"), ir.TAPE)
        return self.counters[loop]

    def tape(self, value: Var) -> Var:
        if value not in self.tapes:
            self.tapes[value] = Var(self.namer.fresh(f"{value.name}_tape"), ir.TAPE)
        return self.tapes[value]

    # ------------------------------------------------------------ writing the forward pass

    def stored(self, loop) -> set:
        """The values of `loop` written to tapes: those the reverse reads back, or (mode "all") every one."""
        read = set(self.taped.get(loop, []))
        if self.mode == "all" and loop in self.reversed_loops:
            index = {loop.index} if isinstance(loop, ir.For) else set()
            values = {v for v, lp in self.loop_of.items() if lp is loop and v.kind != ir.TAPE}
            return read | {v for v in values if v not in self.written} - index
        return read

    def forward(self, body: ir.Block) -> ir.Block:
        """The primal body with tape writes, counters and trip counts inserted."""
        if self.mode == "all":
            for loop in self.reversed_loops:
                self.counter(loop)
        ops = []
        for stmt in body.ops:
            ops += self.allocations(stmt)
            ops += self.statement(stmt)
        return ir.Block(body.args, ops, body.yields)

    def statement(self, stmt) -> list:
        """`stmt` rebuilt with its regions' writes; then the writes of what it defines."""
        before, defined = [], list(ir.defined_by(stmt))
        if stmt in self.saves:  # x_old = x[i] (a copy if a slice), before x[i] = ...
            before += self.save_ops(stmt)
            defined.append(self.saves[stmt])
        if isinstance(stmt, ir.For) and self.reserved(stmt):
            before += self.reservations(stmt)
        if isinstance(stmt, ir.While) and stmt in self.trips:
            trips = self.trips[stmt]
            before.append(Op(ir.COPY, (Const(0),), Var(trips.name, ir.TAPE)))
            defined.append(trips)
        return [*before, self.rebuilt(stmt), *self.writes(defined)]

    def save_ops(self, store: Op) -> list:
        array, *index, _ = store.args
        saved = self.saves[store]
        if not isinstance(self.types[saved], Array):
            return [Op(operator.getitem, (array, *index), saved, store.loc, store.kwargs)]
        view = Var(self.namer.fresh(f"{array.name}_view"), ir.TEMP)
        return [
            Op(operator.getitem, (array, *index), view, store.loc, store.kwargs),
            Op(np.copy, (view,), saved, store.loc),
        ]

    def rebuilt(self, stmt):
        """`stmt` with the writes of its regions inserted (a new statement)."""
        if isinstance(stmt, ir.If):
            return ir.If(stmt.cond, self.block(stmt.then), self.block(stmt.orelse), stmt.results, stmt.loc)
        if isinstance(stmt, ir.For):
            body = self.loop_body(stmt)
            return ir.For(
                stmt.index, stmt.start, stmt.stop, stmt.step, stmt.inits, body, stmt.results, stmt.loc
            )
        if isinstance(stmt, ir.While):
            return ir.While(stmt.inits, stmt.test, self.loop_body(stmt), stmt.results, stmt.loc)
        return stmt

    def block(self, block: ir.Block) -> ir.Block:
        ops = [op for stmt in block.ops for op in self.statement(stmt)]
        return ir.Block(block.args, ops, block.yields)

    def loop_body(self, loop) -> ir.Block:
        inner = self.block(loop.body)
        ops = [*self.writes(loop.body.args), *inner.ops]
        if loop in self.counters:
            k = self.counters[loop]
            ops.append(Op(operator.add, (k, Const(1)), Var(k.name, ir.TAPE)))
        if loop in self.trips:
            trips = self.trips[loop]
            ops.append(Op(operator.add, (trips, Const(1)), Var(trips.name, ir.TAPE)))
        return ir.Block(inner.args, ops, inner.yields)

    def writes(self, values) -> list:
        """``tape[k] = value`` for each stored value just defined."""
        ops = []
        for value in values:
            loop = self.loop_of.get(value)
            if loop is None or value not in self.stored(loop):
                continue
            tape, k = self.tape(value), self.counter(loop)
            if isinstance(self.types.get(value), Array):
                ops.append(Op(runtime.push_array, (tape, k, value), Var(tape.name, ir.TAPE)))
            elif self.exact(loop) or self.reserved(loop):
                ops.append(Op(operator.setitem, (tape, k, value), None))
            else:
                ops.append(Op(runtime.push, (tape, k, value), Var(tape.name, ir.TAPE)))
        return ops

    def exact(self, loop) -> bool:
        """A for loop that is a top-level statement: its tapes are allocated with its trip count,
        computed just before it (where its bounds are defined)."""
        return isinstance(loop, ir.For) and self.top[loop] is loop

    def reserved(self, loop) -> bool:
        """A for loop inside another statement: before it starts, its scalar tapes make room for
        its trip count, so its stores need no check (measured: a checked store in an inner loop
        cost about 6x an unchecked one)."""
        return isinstance(loop, ir.For) and self.top[loop] is not loop

    def reservations(self, loop: ir.For) -> list:
        """``tape = reserve(tape, k + len(range(...)))`` for each scalar tape of `loop`."""
        scalars = sorted(
            (v for v in self.stored(loop) if not isinstance(self.types.get(v), Array)), key=lambda v: v.name
        )
        if not scalars:
            return []
        iterations = Var(self.namer.fresh("range"), ir.TEMP)
        trips = Var(self.namer.fresh("n_trips"), ir.TEMP)
        need = Var(self.namer.fresh("need"), ir.TEMP)
        ops = [
            Op(range, (loop.start, loop.stop, loop.step), iterations),
            Op(len, (iterations,), trips),
            Op(operator.add, (self.counter(loop), trips), need),
        ]
        for value in scalars:
            tape = self.tape(value)
            ops.append(Op(runtime.reserve, (tape, need), Var(tape.name, ir.TAPE)))
        return ops

    def allocation(self, value: Var, size) -> Op:
        """``tape = np.empty(size, dtype)``; an array value's tape starts empty, one axis more."""
        value_type = self.types.get(value)
        if isinstance(value_type, Array):
            shape = Symbol("(" + ", ".join(["0"] * (value_type.ndim + 1)) + ")")
            return Op(
                np.empty, (shape, Symbol(f"np.{value_type.dtype}")), Var(self.tape(value).name, ir.TAPE)
            )
        dtype = DTYPES.get(value_type)
        args = (size, Symbol(dtype)) if dtype else (size,)
        return Op(np.empty, args, Var(self.tape(value).name, ir.TAPE))

    def allocations(self, top_stmt) -> list:
        """Counters and tapes of the loops inside top-level statement `top_stmt`, made before it."""
        ops = []
        for loop, k in self.counters.items():
            if self.top[loop] is not top_stmt:
                continue
            ops.append(Op(ir.COPY, (Const(0),), Var(k.name, ir.TAPE)))
            size = Const(16)
            scalar_tapes = any(not isinstance(self.types.get(v), Array) for v in self.stored(loop))
            if self.exact(loop) and scalar_tapes:
                iterations = Var(self.namer.fresh("range"), ir.TEMP)
                size = Var(self.namer.fresh("n_trips"), ir.TEMP)
                ops.append(Op(range, (loop.start, loop.stop, loop.step), iterations))
                ops.append(Op(len, (iterations,), size))
            for value in sorted(self.stored(loop), key=lambda v: v.name):
                ops.append(self.allocation(value, size))
        return ops
