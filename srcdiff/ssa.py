"""SSA construction: a normalized AST → a structured SSA `Function`.

Consumes a `ParsedFunction` (frontend); produces a new `ir.Function` in which
every assignment defines a fresh `Var` named after the user's variable (``x``,
then ``x_1``), every subexpression is an `Op`, module-level constants are folded
in as `Const`, and calls to user functions without a rule are inlined (their own
calls too). The same `Builder` instantiates derivative rules for the reverse pass.
"""

from __future__ import annotations

import ast
import inspect
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from . import frontend, ir
from .errors import Loc, SrcdiffError, unsupported
from .ir import Const, Op, Var
from .naming import Namer

BINARY_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
UNARY_OPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
COMPARE_OPS = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
TEMP_HINTS = {
    operator.add: "add",
    operator.sub: "sub",
    operator.mul: "mul",
    operator.truediv: "div",
    operator.floordiv: "floordiv",
    operator.mod: "mod",
    operator.pow: "power",
    operator.neg: "neg",
    operator.pos: "pos",
    operator.not_: "not_",
}
ALLOWED_BUILTINS = {abs, min, max, float, int, round, pow, bool}


class Static:
    """A value known while building: a module, a function, another Python object."""

    def __init__(self, value: Any):
        self.value = value


def build(parsed: frontend.ParsedFunction, rules, namer: Namer) -> ir.Function:
    """The SSA form of `parsed`; `rules` decides which calls are primitives."""
    params = tuple(Var(namer.claim(a.arg), ir.PARAM) for a in parsed.node.args.args)
    builder = Builder(parsed, rules, namer, env={p.name: p for p in params})
    value = builder.body(parsed.node.body)
    yields = value if isinstance(value, tuple) else (value,)
    for v in yields:
        if isinstance(v, Var) and v.kind == ir.TEMP:  # `return x * y`: name it after the function
            namer.release(v.name)
            v.name, v.kind = namer.fresh(parsed.name), ir.LOCAL
    return ir.verify(ir.Function(parsed.name, params, ir.Block((), builder.ops, yields), parsed.loc()))


class Builder:
    """Walks statements and expressions, appending `Op`s to `ops`."""

    def __init__(self, scope, rules, namer: Namer, env=None, ops=None, stack=(), loc=None):
        self.scope = scope  # lookup(name) and loc(node): a ParsedFunction or a RuleScope
        self.rules = rules
        self.namer = namer
        self.env: dict = dict(env or {})
        self.ops: list = ops if ops is not None else []
        self.stack = stack  # the functions being inlined, outermost first
        self.fixed_loc = loc  # rule bodies report the primal op's location
        self.assigned = assigned_names(scope.node) if hasattr(scope, "node") else set()

    def loc(self, node: ast.AST) -> Loc:
        return self.fixed_loc or self.scope.loc(node)

    # ------------------------------------------------------------ statements

    def body(self, stmts: list) -> Any:
        """Build `stmts`; return the value of the final `return`."""
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, ast.Return):
                if i != len(stmts) - 1:
                    raise unsupported("code after return", self.loc(stmts[i + 1]))
                if stmt.value is None:
                    break
                return self.value(stmt.value)
            self.statement(stmt)
        raise SrcdiffError(f"{self.scope.name} must end with `return <value>`", self.loc(stmts[-1]))

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            value = self.value(stmt.value)
            for target in stmt.targets:
                self.assign(target, value, stmt)
        elif not isinstance(stmt, ast.Pass):
            raise unsupported(type(stmt).__name__, self.loc(stmt))

    def assign(self, target: ast.expr, value: Any, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Var) and value.kind == ir.TEMP:
                self.namer.release(value.name)
                value.name, value.kind = self.namer.fresh(target.id), ir.LOCAL
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if not isinstance(value, tuple):
                raise SrcdiffError("cannot unpack a single value into several names", self.loc(stmt))
            if len(value) != len(target.elts):
                raise SrcdiffError(
                    f"cannot unpack {len(value)} values into {len(target.elts)} names", self.loc(stmt)
                )
            for t, v in zip(target.elts, value):
                self.assign(t, v, stmt)
        else:
            raise unsupported(f"assignment to {type(target).__name__}", self.loc(stmt))

    # ------------------------------------------------------------ expressions

    def value(self, node: ast.expr) -> Any:
        """A run-time value: an operand, or a tuple of them."""
        result = self.expr(node)
        if isinstance(result, Static):
            return self.static_operand(result.value, node)
        return result

    def operand(self, node: ast.expr) -> ir.Operand:
        result = self.value(node)
        if isinstance(result, tuple):
            raise SrcdiffError("a tuple cannot be used as a number here", self.loc(node))
        return result

    def static_operand(self, value: Any, node: ast.expr) -> Any:
        if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            return Const(value.item() if isinstance(value, np.generic) else value)
        if isinstance(value, tuple):
            return tuple(self.static_operand(v, node) for v in value)
        what = getattr(value, "__name__", type(value).__name__)
        raise SrcdiffError(f"{what} ({type(value).__name__}) cannot be used as a number", self.loc(node))

    def expr(self, node: ast.expr) -> Any:
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise unsupported(type(node).__name__, self.loc(node))
        return method(node)

    def expr_Constant(self, node: ast.Constant) -> Any:
        return self.static_operand(node.value, node)

    def expr_Name(self, node: ast.Name) -> Any:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in self.assigned:
            raise SrcdiffError(f"local variable '{node.id}' is used before it is assigned", self.loc(node))
        found, value = self.scope.lookup(node.id)
        if not found:
            raise SrcdiffError(f"name '{node.id}' is not defined", self.loc(node))
        return Static(value)

    def expr_Attribute(self, node: ast.Attribute) -> Any:
        base = self.expr(node.value)
        if not isinstance(base, Static):
            raise unsupported(f"the attribute .{node.attr} of a number", self.loc(node))
        if not hasattr(base.value, node.attr):
            raise SrcdiffError(f"{describe(base.value)} has no attribute '{node.attr}'", self.loc(node))
        return Static(getattr(base.value, node.attr))

    def expr_Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.value(e) for e in node.elts)

    def expr_BinOp(self, node: ast.BinOp) -> ir.Operand:
        fn = BINARY_OPS.get(type(node.op))
        if fn is None:
            raise unsupported(f"the operator {type(node.op).__name__}", self.loc(node))
        return self.emit(fn, (self.operand(node.left), self.operand(node.right)), node)

    def expr_UnaryOp(self, node: ast.UnaryOp) -> ir.Operand:
        fn = UNARY_OPS.get(type(node.op))
        if fn is None:
            raise unsupported(f"the operator {type(node.op).__name__}", self.loc(node))
        return self.emit(fn, (self.operand(node.operand),), node)

    def expr_Compare(self, node: ast.Compare) -> ir.Operand:
        left, result = self.operand(node.left), None
        for op, right_node in zip(node.ops, node.comparators):
            fn = COMPARE_OPS.get(type(op))
            if fn is None:
                raise unsupported(f"the comparison {type(op).__name__}", self.loc(node))
            right = self.operand(right_node)
            test = self.emit(fn, (left, right), node)
            result = test if result is None else self.emit(operator.and_, (result, test), node)
            left = right
        return result

    def expr_Call(self, node: ast.Call) -> Any:
        callee = self.expr(node.func)
        if not isinstance(callee, Static):
            raise unsupported("calling a computed value", self.loc(node))
        fn = callee.value
        args = [self.value(a) for a in node.args if not isinstance(a, ast.Starred)]
        kwargs = {k.arg: self.value(k.value) for k in node.keywords}
        if len(args) != len(node.args) or None in kwargs:
            raise unsupported("*args/**kwargs in a call", self.loc(node))
        known, _ = self.rules.lookup(fn)
        if not known and is_user_function(fn):
            return self.inline(fn, args, kwargs, node)
        return self.primitive_call(fn, args, kwargs, node)

    def primitive_call(self, fn: Callable, args: list, kwargs: dict, node: ast.Call) -> ir.Operand:
        known, _ = self.rules.lookup(fn)
        name = describe(fn)
        if known and is_user_function(fn):
            self.namer.taken.add(fn.__name__)  # generated code calls it by its own name
        if not known and not is_library_function(fn):
            raise SrcdiffError(
                f"call to {name}: srcdiff has no derivative rule for it and cannot read its source; "
                f"register one with @srcdiff.defvjp({name})",
                self.loc(node),
            )
        if kwargs:
            raise unsupported(f"keyword arguments to {name}", self.loc(node), "pass them by position")
        if any(isinstance(a, tuple) for a in args):
            raise unsupported(f"passing a tuple to {name}", self.loc(node))
        if fn is math.log and len(args) == 2:  # log(x, base) = log(x) / log(base)
            num, den = self.emit(math.log, args[:1], node), self.emit(math.log, args[1:], node)
            return self.emit(operator.truediv, (num, den), node)
        if fn in (min, max) and len(args) > 2:
            result = args[0]
            for a in args[1:]:
                result = self.emit(fn, (result, a), node)
            return result
        return self.emit(fn, tuple(args), node)

    def inline(self, fn: Callable, args: list, kwargs: dict, node: ast.Call) -> Any:
        """Build a user function's body in place, its parameters bound to the arguments."""
        target = frontend.unwrap(fn)
        if target in self.stack:
            raise unsupported(f"recursion ({target.__name__} calls itself)", self.loc(node))
        parsed = frontend.parse(target)
        try:
            bound = inspect.signature(target).bind(*args, **kwargs)
        except TypeError as e:
            raise SrcdiffError(f"call to {target.__name__}: {e}", self.loc(node)) from None
        bound.apply_defaults()
        env = {
            name: self.static_operand(v, node) if not is_ir_value(v) else v
            for name, v in bound.arguments.items()
        }
        callee = Builder(parsed, self.rules, self.namer, env, self.ops, self.stack + (target,))
        return callee.body(parsed.node.body)

    # ------------------------------------------------------------ emitting ops

    def emit(self, fn: Callable, args: tuple, node: ast.AST | None) -> ir.Operand:
        """Append ``fn(*args)`` and return its result (folded if all args are constants)."""
        folded = fold(fn, args)
        if folded is not None:
            return folded
        result = Var(self.namer.fresh(temp_hint(fn, args)), ir.TEMP)
        self.ops.append(Op(fn, tuple(args), result, self.fixed_loc or (self.loc(node) if node else None)))
        return result


# ---------------------------------------------------------------- rules as builders


class RuleScope:
    """Lets a `Builder` read a rule's body: names resolve in the rule's module."""

    def __init__(self, rule):
        self.rule = rule
        self.name = rule.fn.__name__

    def lookup(self, name: str) -> tuple[bool, Any]:
        if name in self.rule.namespace:
            return True, self.rule.namespace[name]
        import builtins

        return hasattr(builtins, name), getattr(builtins, name, None)

    def loc(self, node: ast.AST) -> Loc:
        return self.rule.loc


def instantiate_rule(rule, cotangent, answer, args, wanted, rules, namer, ops, loc) -> dict:
    """Append the ops of `rule`'s body; return {input index: adjoint contribution} for `wanted`."""
    env = {rule.cotangent: cotangent, rule.answer: answer}
    for i, name in enumerate(rule.inputs):
        env[name] = args[i] if i < len(args) else Const(rule.defaults[name])
    builder = Builder(RuleScope(rule), rules, namer, env, ops, loc=loc)
    for stmt in rule.body:
        builder.statement(stmt)
    return {i: builder.operand(rule.outputs[i]) for i in wanted if rule.differentiable(i)}


# ---------------------------------------------------------------- helpers


def fold(fn: Callable, args: tuple) -> Const | None:
    """Evaluate `fn` now if every argument is a constant and the result is a finite number."""
    if not args or not all(isinstance(a, Const) for a in args) or fn is ir.COPY:
        return None
    if not (fn in BINARY_OPS.values() or fn in UNARY_OPS.values() or fn in COMPARE_OPS.values()):
        if (
            fn not in ALLOWED_BUILTINS
            and getattr(fn, "__module__", None) != "math"
            and fn is not operator.and_
        ):
            return None
    try:
        value = fn(*(a.value for a in args))
    except (ArithmeticError, ValueError, TypeError):
        return None
    if isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return Const(value)
    return None


def temp_hint(fn: Callable, args: tuple) -> str:
    """A temporary's name: ``mul`` for ``*``, ``sin_x`` for ``sin(x)`` of a named value."""
    if fn in TEMP_HINTS:
        return TEMP_HINTS[fn]
    name = getattr(fn, "__name__", "t")
    if len(args) == 1 and isinstance(args[0], Var) and args[0].kind in (ir.PARAM, ir.LOCAL):
        return f"{name}_{args[0].name}"
    return name


def is_ir_value(v: Any) -> bool:
    return isinstance(v, (Var, Const, tuple))


def is_user_function(fn: Any) -> bool:
    """A Python function (or numba dispatcher of one) whose source we differentiate through."""
    return inspect.isfunction(frontend.unwrap(fn))


def is_library_function(fn: Any) -> bool:
    """math/numpy callables become primitive ops even without a rule (an error only if active)."""
    module = getattr(fn, "__module__", None) or ""
    return module == "math" or module.startswith("numpy") or isinstance(fn, np.ufunc)


def describe(value: Any) -> str:
    if inspect.ismodule(value):
        return f"module {value.__name__}"
    return ir.qualified_name(value) if callable(value) else repr(value)


def assigned_names(func: ast.FunctionDef) -> set:
    """Names the function assigns: Python treats them as local everywhere in it."""
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names
