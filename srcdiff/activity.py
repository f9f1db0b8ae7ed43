"""Activity analysis: which values carry an adjoint.

Consumes a `Typed` function, the parameters to differentiate with respect to,
and the rule table; produces an `Activity`. A value is *varied* if it depends
differentiably on a `wrt` parameter (forward reachability), *useful* if the
returned value depends differentiably on it (backward reachability), and
*active* if both and it is a float. Integers, booleans and values that flow only
through piecewise-constant primitives (``floor``, comparisons) are never active.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import dataflow, ir
from .infer import Typed
from .types import is_float


@dataclass(frozen=True)
class Activity:
    varied: frozenset
    useful: frozenset
    active: frozenset

    def __contains__(self, operand: ir.Operand) -> bool:
        return isinstance(operand, ir.Var) and operand in self.active


def analyze(typed: Typed, wrt: list, rules) -> Activity:
    """Varied ∧ useful ∧ float, for the values of `typed`."""

    def differentiable(op: ir.Op, index: int) -> bool:
        if not isinstance(op.args[index], ir.Var) or not is_float(typed[op.args[index]]):
            return False
        known, rule = rules.lookup(op.fn)
        return op.fn is ir.COPY or not known or (rule is not None and rule.differentiable(index))

    edges = dataflow.value_edges(typed.func, differentiable)
    outputs = [y for y in typed.func.body.yields if isinstance(y, ir.Var)]
    varied = dataflow.reachable(wrt, edges)
    useful = dataflow.reachable(outputs, edges, backward=True)
    active = frozenset(v for v in varied & useful if is_float(typed.types.get(v)))
    return Activity(varied, useful, active)
