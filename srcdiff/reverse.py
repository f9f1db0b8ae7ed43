"""The reverse pass: a typed primal function → the SSA block that computes adjoints.

Consumes a `Typed` function, its `Activity`, the `wrt` parameters and the rule
table; produces an `Adjoint`: the primal (unchanged: it is the forward pass), a
reverse block whose yields are the gradients of the `wrt` parameters, and the
seed variable (the returned value's adjoint). Ops are visited last to first; for
each active op the primitive's rule is instantiated (`ssa.instantiate_rule`) and
its contributions are accumulated here, in one place: the first contribution to
``d_x`` defines it, later ones add to it (``d_x += ...``).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from . import ir, ssa
from .activity import Activity
from .errors import SrcdiffError
from .infer import Typed
from .ir import Const, Op, Var
from .naming import Namer, adjoint_name


@dataclass(frozen=True)
class Adjoint:
    """A primal function with its reverse pass."""

    primal: Typed
    seed: Var  # the adjoint of the returned value: 1.0 for grad, the cotangent for vjp
    reverse: ir.Block  # yields one gradient per wrt parameter
    wrt: tuple
    active: frozenset  # the primal values that have an adjoint


def differentiate(typed: Typed, activity: Activity, wrt: tuple, rules, namer: Namer) -> Adjoint:
    """Build the reverse pass of `typed` for the parameters `wrt`."""
    (output,) = typed.func.body.yields
    seed = Var(namer.fresh(adjoint_name(output.name if isinstance(output, Var) else "out")), ir.ADJOINT)
    acc = Accumulator(namer)
    if output in activity:
        acc.adjoints[output] = seed
    for op in reversed(typed.func.body.ops):
        if op.result in activity and op.result in acc.adjoints:
            propagate(op, acc, activity, rules, namer)
    grads = tuple(acc.adjoints.get(p, Const(0.0)) for p in wrt)
    reverse_block = ir.Block((), eliminate_dead(acc.ops, grads), grads)
    return Adjoint(typed, seed, reverse_block, wrt, activity.active)


def propagate(op: Op, acc: Accumulator, activity: Activity, rules, namer: Namer) -> None:
    """Add the contributions of `op`'s output adjoint to its active inputs' adjoints."""
    g = acc.adjoints[op.result]
    wanted = [i for i, a in enumerate(op.args) if a in activity]
    if op.fn is ir.COPY:
        contributions = {0: g}
    else:
        known, rule = rules.lookup(op.fn)
        if not known:
            name = ir.qualified_name(op.fn)
            raise SrcdiffError(
                f"no derivative rule for {name}; register one with @srcdiff.defvjp({name})", op.loc
            )
        if rule is None:
            return
        contributions = ssa.instantiate_rule(
            rule, g, op.result, op.args, wanted, rules, namer, acc.ops, op.loc
        )
    for i, contribution in contributions.items():
        acc.add(op.args[i], contribution, op.loc)


class Accumulator:
    """The current adjoint of each primal value, and the ops that computed it."""

    def __init__(self, namer: Namer):
        self.namer = namer
        self.adjoints: dict = {}
        self.names: dict = {}
        self.ops: list = []

    def name(self, var: Var) -> str:
        if var not in self.names:
            self.names[var] = self.namer.fresh(adjoint_name(var.name))
        return self.names[var]

    def add(self, var: Var, contribution: ir.Operand, loc) -> None:
        """``d_var = contribution`` the first time, ``d_var += contribution`` after."""
        previous = self.adjoints.get(var)
        result = Var(self.name(var), ir.ADJOINT)
        if previous is not None:
            self.ops.append(Op(operator.add, (previous, contribution), result, loc))
        elif isinstance(contribution, Var) and contribution.kind == ir.TEMP:
            self.namer.release(contribution.name)
            contribution.name, contribution.kind = result.name, ir.ADJOINT
            result = contribution
        else:
            self.ops.append(Op(ir.COPY, (contribution,), result, loc))
        self.adjoints[var] = result


def eliminate_dead(ops: list, outputs: tuple) -> list:
    """Drop ops whose results nothing reads (rule statements an inactive input needed)."""
    live = {v for v in outputs if isinstance(v, Var)}
    kept = []
    for op in reversed(ops):
        if op.result in live:
            kept.append(op)
            live.update(a for a in op.args if isinstance(a, Var))
    return kept[::-1]
