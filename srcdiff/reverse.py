"""The reverse pass: a typed primal function → the forward pass and the adjoint code.

Consumes a `Typed` function, its `Activity`, the `wrt` parameters and the rule
table; produces an `Adjoint`: the forward pass (the primal, plus the tape writes
`record` decides on) and the reverse pass, whose yields are the gradients.

Statements are visited last to first. For an active op the primitive's rule is
instantiated (`ssa.instantiate_rule`) and its contributions are accumulated here,
in one place: the first defines ``d_x``, later ones add to it (``d_x += ...``). The
reverse of an ``if`` is an ``if`` on the same condition; the reverse of a loop is a
loop running backwards whose carried values are the adjoints of the loop's.

The reverse pass is in *named form*: the versions of one adjoint share a name, so
branches and loops need no φ. An adjoint that a region adds to but that was not yet
defined is set to zero before the region (``d_a = 0.0``).
"""

from __future__ import annotations

import operator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from . import buffers, ir, runtime, ssa
from .activity import Activity
from .errors import SrcdiffError
from .infer import Typed
from .ir import Const, Op, Var
from .naming import Namer, adjoint_name
from .record import Recorder, recomputable
from .types import Array, index_type


@dataclass(frozen=True)
class Adjoint:
    """A primal function with its forward and reverse passes."""

    primal: Typed
    forward: ir.Block  # the primal body, with tape writes (SSA; codegen prints its φs as copies)
    seed: Var  # the adjoint of the returned value: 1.0 for grad
    reverse: ir.Block  # named form; yields one gradient per wrt parameter
    wrt: tuple
    active: frozenset  # the primal values that have an adjoint
    array_adjoints: frozenset  # the names of the adjoints that hold arrays


def differentiate(
    typed: Typed, activity: Activity, wrt: tuple, rules, namer: Namer, record: str = "needed"
) -> Adjoint:
    """Build the forward and reverse passes of `typed` for the parameters `wrt`."""
    written = buffers.analyze(typed.func)
    recorder = Recorder(typed, namer, record, written)
    builder = Reverser(typed, activity, rules, namer, recorder, written)
    (output,) = typed.func.body.yields
    seed = Var(namer.fresh(adjoint_name(output.name if isinstance(output, Var) else "out")), ir.ADJOINT)
    if output in activity:
        builder.names[output] = seed.name
        builder.has.add(output)
    builder.reverse_block(typed.func.body)
    grads = tuple(builder.gradient(p) for p in wrt)
    forward = builder.recorder.forward(typed.func.body)
    arrays = {builder.names[v] for v in builder.names if builder.is_array(v)}
    arrays |= {name for v, name in builder.slot_names.items() if builder.is_array(v)}
    reverse = ir.Block((), builder.ops, grads)
    return Adjoint(typed, forward, seed, reverse, wrt, activity.active, frozenset(arrays))


class Reverser:
    """Builds the reverse pass into `ops`, tracking which adjoints are defined (`has`)."""

    def __init__(self, typed: Typed, activity: Activity, rules, namer: Namer, recorder: Recorder, written):
        self.typed = typed
        self.buffers = written
        self.activity = activity
        self.rules = rules
        self.namer = namer
        self.recorder = recorder
        self.names: dict = {}  # primal value → its adjoint's name
        self.has: set = set()  # primal values whose adjoint variable holds a value here
        self.ops: list = []
        self.index_vars: dict = {}  # for loop → its index in the reverse loop
        self.producers = {op.result: op for op in ir.ops_in(typed.func.body)}  # primal value → its op
        self.slot_names: dict = {}  # loop-carried value → the name of its adjoint in the reverse loop
        self.taken: set = set()  # computed arrays an adjoint took as its own
        self.local = None  # values defined in the region being built (None: the function body)
        self.carried = {
            a for s in ir.walk(typed.func.body) if isinstance(s, (ir.For, ir.While)) for a in s.body.args
        }
        self.restoring = buffers.needing_restore(
            typed.func, written, self.reads, self.is_array
        )  # buffers put back

    # ------------------------------------------------------------ adjoints

    def adjoint(self, var: Var) -> Var:
        if var not in self.names:
            self.names[var] = self.namer.fresh(adjoint_name(var.name))
        return Var(self.names[var], ir.ADJOINT)

    def add(self, var, contribution: ir.Operand, loc, owned: bool = False) -> None:
        """``d_var = contribution`` the first time, ``d_var += contribution`` after.

        An array adjoint always owns its buffer (a fresh result, else a copy), so adding
        to it in place never writes into another adjoint. An `owned` contribution is
        one nothing reads afterwards (a branch result's or loop's adjoint handed on):
        it is taken as it is, under its own name if `var` is defined in the region being built
        and not carried by a loop (so no copy at a region's start or a reverse iteration's end
        overwrites another adjoint that is still to be read).
        """
        if not (isinstance(var, Var) and var in self.activity):
            return
        if (
            owned
            and var not in self.has
            and isinstance(contribution, Var)
            and contribution.kind == ir.ADJOINT
        ):
            own_slot = self.slot_names.get(var) == contribution.name  # the copy back is `d = d`
            if var not in self.names and (var not in self.carried or own_slot) and self.is_local(var):
                self.names[var] = contribution.name  # takes over the name too: no statement at all
            elif self.adjoint(var).name != contribution.name:
                self.ops.append(Op(ir.COPY, (contribution,), self.adjoint(var), loc))
            self.has.add(var)
            return
        target = self.adjoint(var)
        if var in self.has:
            self.ops.append(Op(operator.add, (self.adjoint(var), contribution), target, loc))
        elif self.is_fresh(contribution) or (isinstance(contribution, Var) and not self.is_array(var)):
            if contribution.kind == ir.TEMP:
                self.namer.release(contribution.name)
                contribution.name, contribution.kind = target.name, ir.ADJOINT
            else:
                self.ops.append(Op(ir.COPY, (contribution,), target, loc))
                self.taken.add(contribution)
        elif self.is_array(var):
            self.ops.append(Op(np.copy, (contribution,), target, loc))
        else:
            self.ops.append(Op(ir.COPY, (contribution,), target, loc))
        self.has.add(var)

    def add_at(self, var: Var, index: tuple, kwargs: tuple, contribution, loc) -> None:
        """``d_var[index] += contribution``: the adjoint of reading ``var[index]``."""
        if not (isinstance(var, Var) and var in self.activity):
            return
        if var not in self.has:
            self.zero([var], loc)
        self.ops.append(Op(runtime.add_at, (self.adjoint(var), *index, contribution), None, loc, kwargs))

    def scatter_add(self, op: Op, index: tuple, contribution) -> None:
        """The adjoint of ``x[idx]`` with an integer array `idx`: repeated indices add up."""
        var = op.args[0]
        if dict(op.kwargs)["pattern"].value != ("value",):
            raise SrcdiffError(
                "an integer-array index combined with other indices is not supported yet: "
                "index with the array alone (x[idx]), or write a loop",
                op.loc,
            )
        if var not in self.activity:
            return
        if var not in self.has:
            self.zero([var], op.loc)
        self.ops.append(Op(runtime.scatter_add, (self.adjoint(var), *index, contribution), None, op.loc))

    def is_array(self, var: Var) -> bool:
        return isinstance(self.typed.types.get(var), Array)

    def is_fresh(self, operand) -> bool:
        """An array this pass just computed that no adjoint holds yet: not a view of another array
        (``sum_to(c, x)`` may return `c`: fresh if `c` is)."""
        if not isinstance(operand, Var) or operand.kind not in (ir.TEMP, ir.LOCAL) or operand in self.taken:
            return False
        producer = next((op for op in reversed(self.ops) if op.result is operand), None)
        if producer is None:
            return operand.kind == ir.TEMP
        if producer.fn is runtime.sum_to:
            return self.is_fresh(producer.args[0])
        return producer.fn not in VIEWS

    def zero(self, values, loc) -> None:
        """Define as zero the adjoints a region will add to but that are not defined yet."""
        for var in sorted(values, key=lambda v: self.adjoint(v).name):
            if var in self.activity and var not in self.has:
                if self.is_array(var):
                    self.ops.append(Op(np.zeros_like, (self.read(var),), self.adjoint(var), loc))
                else:
                    self.ops.append(Op(ir.COPY, (Const(0.0),), self.adjoint(var), loc))
                self.has.add(var)

    @contextmanager
    def region(self, block: ir.Block):
        """Build the reverse of `block` into a fresh op list; adjoints defined inside stay inside."""
        saved_ops, saved_has, saved_local = self.ops, set(self.has), self.local
        self.ops, self.local = [], defined_in(block)
        try:
            yield self.ops
        finally:
            self.ops, self.has, self.local = saved_ops, saved_has, saved_local

    def is_local(self, var: Var) -> bool:
        return self.local is None or var in self.local

    def read(self, value):
        return self.recorder.read(value, self.index_vars)

    def gradient(self, param: Var) -> ir.Operand:
        """The adjoint of a parameter at the end of the reverse pass (zero if nothing reached it)."""
        if param in self.has:
            return self.adjoint(param)
        if self.is_array(param):
            return self.emit(np.zeros_like, param)
        return Const(0.0)

    # ------------------------------------------------------------ statements, last to first

    def reverse_block(self, block: ir.Block) -> None:
        for stmt in reversed(block.ops):
            if isinstance(stmt, Op):
                self.reverse_op(stmt)
            elif isinstance(stmt, ir.If):
                self.reverse_if(stmt)
            else:
                self.reverse_loop(stmt)

    def reverse_op(self, op: Op) -> None:
        if op.fn is runtime.store:
            self.reverse_store(op)
            return
        if op.result not in self.has:
            return
        wanted = [i for i, a in enumerate(op.args) if isinstance(a, Var) and a in self.activity]
        g = self.adjoint(op.result)
        if op.fn is operator.getitem:
            index = tuple(self.read(a) for a in op.args[1:])
            if any(isinstance(self.typed[a], Array) for a in op.args[1:]):  # x[idx], idx an int array
                self.scatter_add(op, index, g)
            else:
                self.add_at(op.args[0], index, op.kwargs, g, op.loc)
            return
        if op.fn is np.array:  # a = np.array([s0, s1, ...]): d_si += d_a[i]
            for i in wanted:
                self.add(op.args[i], self.emit(operator.getitem, g, Const(i)), op.loc)
            return
        if op.fn in (np.concatenate, np.stack):
            self.reverse_join(op, g)
            return
        if op.fn is np.full:  # np.full(shape, fill): the fill value is the last argument
            if len(op.args) - 1 in wanted:
                self.add(op.args[-1], self.emit(np.sum, g), op.loc)
            return
        if op.fn is ir.COPY:
            contributions = {0: g}
        else:
            types = [self.typed[a] if not isinstance(a, Const) else None for a in op.args]
            known, rule = self.rules.lookup(op.fn, types)
            if not known:
                name = ir.qualified_name(op.fn)
                raise SrcdiffError(
                    f"no derivative rule for {name}; register one with @srcdiff.defvjp({name})", op.loc
                )
            if rule is None or not wanted:
                return
            args = [lambda a=a: self.read(a) for a in op.args]
            bindings = rule.bindings(lambda: g, lambda: self.read(op.result), args, dict(op.kwargs))
            contributions = ssa.instantiate_rule(
                rule, bindings, wanted, self.rules, self.namer, self.ops, op.loc
            )
        for i, contribution in contributions.items():
            self.add(op.args[i], self.unbroadcast(contribution, op.result, op.args[i]), op.loc)

    def reads(self, op: Op) -> tuple:
        """The primal values the reverse of `op` may read (its rule's inputs, or all if unsure),
        and the arguments of a loop op the reverse pass may recompute."""
        recomputed = op.args if op.result in self.recorder.loop_of and recomputable(op) else ()
        return (*recomputed, *self.rule_reads(op))

    def rule_reads(self, op: Op) -> tuple:
        if op.result not in self.activity or op.fn in (ir.COPY, np.array, np.full):
            return ()
        if op.fn is operator.getitem:
            return op.args[1:]
        wanted = [i for i, a in enumerate(op.args) if a in self.activity]
        known, rule = self.rules.lookup(op.fn, [self.typed[a] for a in op.args])
        if not known or rule is None:
            return (*op.args, op.result)
        names = set().union(*(rule.reads(i) for i in wanted))
        operands = [op.result if name == rule.answer else None for name in names]
        operands += [a for name, a in zip(rule.inputs, op.args) if name in names]
        return tuple(a for a in operands if a is not None)

    def reverse_join(self, op: Op, g: Var) -> None:
        """``np.concatenate((a, b), axis)``: ``d_a += g[..., :len_a]``, ``d_b += g[..., len_a:]``;
        ``np.stack``: ``d_a += g[..., 0]``, ``d_b += g[..., 1]`` (indexing along `axis`)."""
        ndim = self.typed[op.result].ndim
        axis = dict(op.kwargs)["axis"].value % ndim
        before, whole = ("slice",) * axis, (Const(None),) * (3 * axis)
        offset = Const(0)
        for i, piece in enumerate(op.args):
            if op.fn is np.stack:
                pattern, index = (*before, "value"), (*whole, Const(i))
            else:
                length = self.emit(runtime.dim, self.read(piece), Const(axis))
                end = length if offset == Const(0) else self.emit(operator.add, offset, length)
                pattern, index, offset = (*before, "slice"), (*whole, offset, end, Const(None)), end
            if piece in self.activity:
                part = self.emit(operator.getitem, g, *index, kwargs=(("pattern", Const(pattern)),))
                self.add(piece, part, op.loc)

    def reverse_store(self, op: Op) -> None:
        """``x_1 = x_0`` with ``x_0[index] = value``: the value's adjoint is ``d_x_1[index]``; ``x_0``'s
        is ``d_x_1`` with that place zeroed (in place: it takes over the buffer). Then, if the
        reverse pass reads older versions, the overwritten values are put back."""
        array, *index, value = op.args
        index = tuple(self.read(a) for a in index)
        if op.result in self.has:
            g = self.adjoint(op.result)
            if value in self.activity:
                part = self.emit(operator.getitem, g, *index, kwargs=op.kwargs)
                options = {k: v.value for k, v in op.kwargs}
                place = index_type([self.typed[a] for a in op.args[:-1]], options)
                self.add(value, self.unbroadcast_to(part, place, value), op.loc)
            if array in self.activity:
                self.ops.append(
                    Op(runtime.store, (g, *index, Const(0.0)), Var(g.name, ir.ADJOINT), op.loc, op.kwargs)
                )
                self.add(array, g, op.loc, owned=True)
        if self.buffers.buffer_of[op.result] in self.restoring:
            saved = self.read(self.recorder.save(op))
            self.ops.append(Op(runtime.store, (array, *index, saved), None, op.loc, op.kwargs))

    def unbroadcast_to(self, contribution, place, value) -> ir.Operand:
        """Sum a contribution of the written place's shape back to the shape of the value written."""
        value_type = self.typed.types.get(value)
        if not isinstance(place, Array):
            return contribution
        if not isinstance(value_type, Array):
            return self.emit(np.sum, contribution)
        for _ in range(place.ndim - value_type.ndim):
            contribution = self.emit(np.sum, contribution, kwargs=(("axis", Const(0)),))
        return self.emit(runtime.sum_to, contribution, self.read(value))

    def unbroadcast(self, contribution, result: Var, arg) -> ir.Operand:
        """Sum a contribution of `result`'s shape back to the shape of the `arg` it broadcast from."""
        out_type, in_type = self.typed.types.get(result), self.typed.types.get(arg)
        arrays = self.array_operands(result)
        if not isinstance(out_type, Array) or not isinstance(arg, Var) or arrays == 0:
            return contribution
        if not isinstance(in_type, Array):
            return self.emit(np.sum, contribution)
        for _ in range(out_type.ndim - in_type.ndim):
            contribution = self.emit(np.sum, contribution, kwargs=(("axis", Const(0)),))
        if arrays == 1:  # the only array operand has the result's shape
            return contribution
        return self.emit(runtime.sum_to, contribution, self.read(arg))  # size-1 axes, known at run time

    def array_operands(self, result: Var) -> int:
        """How many arrays an elementwise op combines (0 for ops that are not elementwise)."""
        op = self.producers.get(result)
        if op is None or not is_elementwise(op.fn) or len(op.args) < 2:
            return 0
        return sum(isinstance(self.typed.types.get(a), Array) for a in op.args if isinstance(a, Var))

    def reverse_if(self, stmt: ir.If) -> None:
        live = [i for i, r in enumerate(stmt.results) if r in self.has]
        if not live and not self.restores_in(stmt):
            return
        seeds = [stmt.then.yields[i] for i in live] + [stmt.orelse.yields[i] for i in live]
        inside = defined_in(stmt.then) | defined_in(stmt.orelse)
        both = self.defined_by_reverse(stmt.then, live) & self.defined_by_reverse(stmt.orelse, live)
        self.zero(
            (receivers(stmt.then, self) | receivers(stmt.orelse, self) | vars_of(seeds)) - inside - both,
            stmt.loc,
        )
        branches = []
        for branch in (stmt.then, stmt.orelse):
            with self.region(branch) as ops:
                for i in live:
                    self.add(branch.yields[i], self.adjoint(stmt.results[i]), stmt.loc, owned=True)
                self.reverse_block(branch)
            branches.append(ir.Block((), self.recorder.branch_restore_ops(branch) + ops, ()))
        self.ops.append(ir.If(self.read(stmt.cond), branches[0], branches[1], (), stmt.loc))
        self.has |= both

    def reverse_loop(self, stmt) -> None:
        """A loop running backwards; its carried values are the adjoints of the loop's results."""
        body = stmt.body
        live = [
            j
            for j, (a, r) in enumerate(zip(body.args, stmt.results))
            if a in self.activity or r in self.activity
        ]
        if not live and not self.restores_in(stmt):
            return
        self.recorder.reversed_loops.append(stmt)
        yields = [body.yields[j] for j in live]
        self.zero((receivers(body, self) | vars_of(yields)) - defined_in(body), stmt.loc)
        carried = [self.adjoint(stmt.results[j]) for j in live]
        self.slot_names.update((body.args[j], d.name) for j, d in zip(live, carried))
        for j, d in zip(live, carried):
            if stmt.results[j] not in self.has:
                self.ops.append(Op(ir.COPY, (self.zero_like(stmt.results[j], stmt.inits[j]),), d, stmt.loc))
        header = self.reverse_header(stmt)
        with self.region(body) as ops:
            for j, d in zip(live, carried):
                inside = body.yields[j] in defined_in(body)
                self.add(body.yields[j], d, stmt.loc, owned=inside and yields.count(body.yields[j]) == 1)
            self.reverse_block(body)
            for j, d in zip(live, carried):
                arg = body.args[j]
                source = self.adjoint(arg) if arg in self.has else self.zero_like(arg, arg)
                if not (isinstance(source, Var) and source.name == d.name):
                    ops.append(Op(ir.COPY, (source,), Var(d.name, ir.ADJOINT), stmt.loc))
        index, start, stop, step = header
        reverse_body = ir.Block((), self.recorder.restore_ops(stmt) + ops, ())
        self.ops.append(ir.For(index, start, stop, step, (), reverse_body, (), stmt.loc))
        inits = [stmt.inits[j] for j in live]
        for j, d in zip(live, carried):
            self.add(stmt.inits[j], Var(d.name, ir.ADJOINT), stmt.loc, owned=inits.count(stmt.inits[j]) == 1)

    def zero_like(self, value: Var, shape_of) -> ir.Operand:
        """A zero adjoint for `value`: 0.0, or zeros shaped like the primal `shape_of`."""
        if self.is_array(value) and isinstance(shape_of, Var):
            return self.emit(np.zeros_like, self.read(shape_of))
        return Const(0.0)

    def restores_in(self, stmt) -> bool:
        """Whether a region holds a write whose overwritten values the reverse pass puts back."""
        return any(
            op.fn is runtime.store and self.buffers.buffer_of[op.result] in self.restoring
            for region in ir.regions(stmt)
            for op in ir.ops_in(region)
        )

    def defined_by_reverse(self, branch: ir.Block, live: list) -> set:
        """Values whose adjoints the reverse of `branch` surely defines: its live yields, and
        the arrays that writes yielded from it were made from (their adjoints take over the buffer)."""
        defined = {branch.yields[i] for i in live if branch.yields[i] in self.activity}
        for op in reversed(branch.ops):
            if isinstance(op, Op) and op.fn is runtime.store and op.result in defined:
                if op.args[0] in self.activity:
                    defined.add(op.args[0])
        return defined

    def reverse_header(self, stmt) -> tuple:
        """(index, start, stop, step) of the loop that runs `stmt`'s iterations backwards."""
        if isinstance(stmt, ir.While):
            trips = self.read(self.recorder.trip_count(stmt))
            return Var("_", ir.LOCAL), Const(0), trips, Const(1)
        index = Var(stmt.index.name, ir.LOCAL)
        self.index_vars[stmt] = index
        start, stop, step = (self.read(a) for a in (stmt.start, stmt.stop, stmt.step))
        if isinstance(step, Const) and step.value in (1, -1):  # reversed(range(a, b, ±1))
            return (
                index,
                self.emit(operator.sub, stop, step),
                self.emit(operator.sub, start, step),
                Const(-step.value),
            )
        trips = self.emit(len, self.emit(range, start, stop, step))
        last = self.emit(
            operator.add, start, self.emit(operator.mul, self.emit(operator.sub, trips, Const(1)), step)
        )
        return index, last, self.emit(operator.sub, start, step), self.emit(operator.neg, step)

    def emit(self, fn, *args, kwargs: tuple = ()) -> ir.Operand:
        folded = ssa.fold(fn, args) if not kwargs else None
        if folded is not None:
            return folded
        result = Var(self.namer.fresh(ssa.temp_hint(fn, args)), ir.TEMP)
        self.ops.append(Op(fn, args, result, None, kwargs))
        return result


def is_elementwise(fn) -> bool:
    """Operators and ufuncs broadcast their operands against each other."""
    operator_ = fn in ir.BINARY_SYMBOLS and fn is not operator.matmul
    return operator_ or isinstance(fn, np.ufunc) or fn in ELEMENTWISE


ELEMENTWISE = frozenset([min, max, pow, np.where, np.clip])

VIEWS = buffers.VIEWS

# ---------------------------------------------------------------- which adjoints a region touches


def defined_in(block: ir.Block) -> set:
    """Every value defined in `block` and the regions nested in it."""
    values = set(block.args)
    for stmt in block.ops:
        values.update(ir.defined_by(stmt))
        if isinstance(stmt, ir.For):
            values.add(stmt.index)
        for region in ir.regions(stmt):
            values |= defined_in(region)
    return values


def receivers(block: ir.Block, rev: Reverser) -> set:
    """Values whose adjoints the reverse of `block` may add to (an over-approximation)."""
    values = set()
    for stmt in block.ops:
        if isinstance(stmt, Op):
            if stmt.result in rev.activity:
                values |= vars_of(stmt.args)
        elif isinstance(stmt, ir.If):
            values |= vars_of(stmt.then.yields + stmt.orelse.yields)
            values |= receivers(stmt.then, rev) | receivers(stmt.orelse, rev)
        else:
            values |= vars_of(stmt.inits + stmt.body.yields) | receivers(stmt.body, rev)
    return {v for v in values if v in rev.activity}


def vars_of(operands) -> set:
    return {a for a in operands if isinstance(a, Var)}
