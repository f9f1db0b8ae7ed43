"""Derivative rules: one table, one entry per primitive.

A rule is an ordinary, runnable Python function ``rule(g, ans, *inputs)`` that
returns a tuple with one entry per input: the contribution to that input's
adjoint (``None`` where the input is not differentiable)::

    @rules.defvjp(math.sin, np.sin)
    def sin(g, ans, x):
        return (g * np.cos(x),)

`g` is the output's adjoint, `ans` the primal output. Codegen inlines the rule's
body as source; tests call the same function with numbers. The primal names a
rule reads (``ans``, ``x``) are what the forward pass must keep: `Rule.reads` is
computed once, when the rule is registered. Accumulation (``d_x += ...``) is not
the rule's business; `srcdiff.reverse` does it in one place.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import Loc, SrcdiffError
from ..frontend import dedent
from ..ir import Const


@dataclass(frozen=True)
class Rule:
    """A parsed vector-Jacobian-product rule, ready to inline."""

    fn: Callable  # the runnable rule
    inputs: tuple  # names of the primal inputs, after (g, ans)
    defaults: dict  # input name → default value, for optional primal arguments
    cotangent: str  # the name the rule gives g
    answer: str  # the name the rule gives ans
    body: tuple  # ast.Assign statements before the return
    outputs: tuple  # one ast.expr (or None: not differentiable) per input
    loc: Loc
    options: dict  # keyword-only parameters (``axis``, ``keepdims``) → their defaults

    @property
    def namespace(self) -> dict:
        return self.fn.__globals__

    def differentiable(self, index: int) -> bool:
        return index < len(self.outputs) and self.outputs[index] is not None

    def needed(self, wanted: list) -> list:
        """The body statements the adjoints of inputs `wanted` depend on, in order."""
        names = set().union(*(names_in(self.outputs[i]) for i in wanted if self.differentiable(i)))
        kept = []
        for stmt in reversed(self.body):
            if stmt.targets[0].id in names:
                kept.append(stmt)
                names |= names_in(stmt.value)
        return kept[::-1]

    def reads(self, index: int) -> frozenset:
        """The rule parameters that the adjoint of input `index` reads."""
        needed = names_in(self.outputs[index]) if self.differentiable(index) else set()
        for stmt in reversed(self.body):
            if stmt.targets[0].id in needed:
                needed |= names_in(stmt.value)
        return frozenset(needed & {self.answer, *self.inputs})

    def bindings(self, cotangent, answer, args: list, options: dict) -> dict:
        """The rule's parameter names → zero-argument functions giving their operands."""
        bound = {self.cotangent: cotangent, self.answer: answer}
        for i, name in enumerate(self.inputs):
            bound[name] = args[i] if i < len(args) else (lambda d=self.defaults[name]: Const(d))
        for name, default in self.options.items():
            value = options[name] if name in options else Const(default)
            bound[name] = lambda v=value: v
        return bound


def names_in(node: ast.AST) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def parse_rule(fn: Callable) -> Rule:
    """Read a rule function's source into a `Rule`; raise SrcdiffError if it has a shape we can't inline."""
    if not inspect.isfunction(fn) or fn.__name__ == "<lambda>":
        what = (
            "a lambda"
            if inspect.isfunction(fn)
            else f"{getattr(fn, '__name__', repr(fn))} ({type(fn).__name__})"
        )
        code = getattr(fn, "__code__", None)
        loc = Loc(code.co_filename, code.co_firstlineno) if code else None
        raise SrcdiffError(f"a derivative rule must be a function defined with def; got {what}", loc)
    name = fn.__name__
    file = fn.__code__.co_filename
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise SrcdiffError(
            f"the source of rule {name} is not available; define it in a file", Loc(file, 1)
        ) from None
    node = ast.parse(dedent(lines)).body[0]
    ast.increment_lineno(node, first - 1)
    loc = Loc(file, node.lineno)
    params = [a.arg for a in node.args.args]
    if len(params) < 3 or node.args.vararg or node.args.kwarg:
        raise SrcdiffError(f"rule {fn.__name__} must take (g, ans, *inputs)", loc)
    defaults = {}
    for name, default in zip(reversed(params), reversed(fn.__defaults__ or ())):
        defaults[name] = default
    *body, last = [s for s in node.body if not is_docstring(s)]
    if not isinstance(last, ast.Return) or last.value is None:
        raise SrcdiffError(f"rule {fn.__name__} must end with `return (adjoint, ...)`", loc)
    for stmt in body:
        if not (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        ):
            raise SrcdiffError(
                f"rule {fn.__name__}: only `name = expression` statements may precede the return",
                Loc(file, stmt.lineno),
            )
    inputs = tuple(params[2:])
    values = last.value.elts if isinstance(last.value, ast.Tuple) else [last.value]
    if len(values) != len(inputs):
        raise SrcdiffError(
            f"rule {fn.__name__} returns {len(values)} adjoints "
            f"for {len(inputs)} inputs ({', '.join(inputs)})",
            Loc(file, last.lineno),
        )
    outputs = tuple(None if is_none(v) else v for v in values)
    options = dict(fn.__kwdefaults__ or {})
    return Rule(fn, inputs, defaults, params[0], params[1], tuple(body), outputs, loc, options)


def is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class RuleSet:
    """An ordered collection of rules, filled with the `defvjp` decorator."""

    def __init__(self):
        self.entries: dict = {}  # primal → [(when, Rule or None)]; None: not differentiable

    def defvjp(self, *primals: Callable, when: Callable | None = None) -> Callable:
        """Register the decorated function as the VJP rule of each of `primals`.

        `when(*arg_types)`, if given, restricts the rule to arguments of those types
        (``np.dot`` of two matrices and of two vectors have different rules).
        """
        if not primals:
            raise SrcdiffError("defvjp needs the function(s) the rule differentiates: @defvjp(f)")

        def register(rule_fn: Callable) -> Callable:
            rule = parse_rule(rule_fn)
            for primal in primals:
                self.add(primal, when, rule)
            return rule_fn

        return register

    def defnondiff(self, *primals: Callable) -> None:
        """Declare `primals` piecewise constant: their derivative is zero everywhere."""
        for primal in primals:
            self.add(primal, None, None)

    def add(self, primal: Callable, when, rule) -> None:
        cases = self.entries.setdefault(primal, [])
        if when is None:
            cases.clear()  # an unconditional rule replaces earlier ones
        cases.append((when, rule))


class RuleTable:
    """Maps primal functions to rules; later sets override earlier ones."""

    def __init__(self, *sets: RuleSet):
        self.sets = sets

    def lookup(self, primal: Any, arg_types: list | None = None) -> tuple[bool, Rule | None]:
        """(known, rule): rule None with known True means a zero derivative.

        With `arg_types`, only a rule whose condition holds for them is found.
        """
        for rule_set in reversed(self.sets):
            try:
                cases = rule_set.entries.get(primal)
            except TypeError:  # an unhashable callable has no rule
                return False, None
            for when, rule in reversed(cases or []):
                if when is None or arg_types is None or when(*arg_types):
                    return True, rule
        return False, None

    def items(self) -> list:
        """Every (primal, condition, rule) in effect; condition None means always."""
        merged: dict = {}
        for rule_set in self.sets:
            for primal, cases in rule_set.entries.items():
                merged[primal] = cases if any(w is None for w, _ in cases) else merged.get(primal, []) + cases
        return [(primal, when, rule) for primal, cases in merged.items() for when, rule in cases]


USER_RULES = RuleSet()
"""Rules users register with `srcdiff.defvjp`; they override the built-in ones."""


def builtin_table() -> RuleTable:
    """A fresh table of the built-in rules alone."""
    from . import arrays, operators, scalar

    return RuleTable(operators.rules, scalar.rules, arrays.rules)


def default_table() -> RuleTable:
    """The built-in rules, then the users' rules."""
    return RuleTable(*builtin_table().sets, USER_RULES)
