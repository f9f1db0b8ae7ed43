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
import os
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import buffers, dataflow, frontend, ir, runtime
from .errors import Loc, NoSource, SrcdiffError, unsupported
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
UNARY_OPS = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Invert: operator.invert,
}
# NumPy functions that take a tuple (a shape, or the items of a new array) as an argument.
PACKING = {np.zeros, np.ones, np.empty, np.full, np.reshape, np.array, np.concatenate, np.stack}
JOINING = (np.concatenate, np.stack)  # take a tuple of arrays and an optional constant axis=
ARRAY_METHODS = {
    "reshape": np.reshape,
    "ravel": np.ravel,
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
    "prod": np.prod,
    "dot": np.dot,
    "transpose": np.transpose,
    "copy": np.copy,
}
COMPARE_OPS = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
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
AXIS_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.amax, np.amin}  # take an axis second
# Reductions numba compiles without an axis only: with one, they call these helpers.
ALONG = {
    np.max: runtime.max_along,
    np.amax: runtime.max_along,
    np.min: runtime.min_along,
    np.amin: runtime.min_along,
    np.prod: runtime.prod_along,
}
ALLOWED_BUILTINS = {abs, min, max, float, int, round, pow, bool}


class Static:
    """A value known while building: a module, a function, another Python object."""

    def __init__(self, value: Any):
        self.value = value


class Method:
    """``x.sum`` before it is called: an array method, lowered to its ``np.*`` function."""

    def __init__(self, obj: Var, name: str):
        self.obj, self.name = obj, name


class ShapeOf:
    """``x.shape``: indexed (``x.shape[0]``) or unpacked (``n, m = x.shape``) into ints."""

    def __init__(self, obj: Var):
        self.obj = obj


def build(parsed: frontend.ParsedFunction, rules, namer: Namer) -> ir.Function:
    """The SSA form of `parsed`; `rules` decides which calls are primitives."""
    params = tuple(Var(namer.claim(a.arg), ir.PARAM) for a in parsed.node.args.args)
    builder = Builder(parsed, rules, namer, env={p.name: p for p in params}, stack=(parsed.fn,))
    value = builder.body(parsed.node.body)
    if isinstance(value, tuple):
        returned = "a list" if isinstance(builder.returned, ast.List) else "a tuple"
        raise SrcdiffError(
            f"{parsed.name} returns {returned} of {len(value)} values; grad needs one scalar output",
            builder.return_loc,
        )
    yields = (value,)
    for v in yields:
        if isinstance(v, Var) and v.kind == ir.TEMP:  # `return x * y`: name it after the function
            namer.release(v.name)
            v.name, v.kind = namer.fresh(parsed.name), ir.LOCAL
    func = ir.Function(
        parsed.name, params, ir.Block((), builder.ops, yields), parsed.loc(), builder.return_loc
    )
    # Before pruning: a write that SSA finds dead may still be seen through another name.
    func.in_place_reads = buffers.in_place_reads(ir.verify(func), namer.hints)
    func.view_reads = buffers.coalesce(func, namer.hints)
    return ir.verify(dataflow.prune(func))


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
        self.internal = getattr(scope, "internal", frozenset())  # names desugaring introduced
        self.maybe_undefined: set = set()  # If results that some path leaves unassigned
        self.guard_depth = 0  # > 0 inside `if not <exit flag>:` blocks that desugaring made
        self.return_loc = None
        self.returned = None  # the returned expression

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
                self.return_loc, self.returned = self.loc(stmt), stmt.value
                return self.value(stmt.value)
            self.statement(stmt)
        raise SrcdiffError(f"{self.scope.name} must end with `return <value>`", self.loc(stmts[-1]))

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            value = self.value(stmt.value)
            for target in stmt.targets:
                self.assign(target, value, stmt)
        elif isinstance(stmt, ast.AugAssign):  # the normalizer leaves only ``x[i] += v`` here
            self.store(stmt.target, self.value(stmt.value), stmt, stmt.op)
        elif isinstance(stmt, ast.If):
            self.stmt_if(stmt)
        elif isinstance(stmt, ast.For):
            self.stmt_for(stmt)
        elif isinstance(stmt, ast.While):
            self.stmt_while(stmt)
        elif not isinstance(stmt, ast.Pass):
            raise unsupported(type(stmt).__name__, self.loc(stmt))

    # ------------------------------------------------------------ control flow

    @contextmanager
    def region(self, env: dict):
        """Build into a fresh op list with its own copy of `env`; yields (ops, env)."""
        saved_ops, saved_env = self.ops, self.env
        self.ops, self.env = [], dict(env)
        try:
            yield self.ops, self.env
        finally:
            self.ops, self.env = saved_ops, saved_env

    def stmt_if(self, stmt: ast.If) -> None:
        cond = self.operand(stmt.test)
        if isinstance(cond, Const):  # a constant test: build only the branch that runs
            for s in stmt.body if cond.value else stmt.orelse:
                self.statement(s)
            return
        guard = self.is_exit_guard(stmt.test)
        self.guard_depth += guard
        with self.region(self.env) as (then_ops, then_env):
            for s in stmt.body:
                self.statement(s)
        self.guard_depth -= guard
        with self.region(self.env) as (else_ops, else_env):
            for s in stmt.orelse:
                self.statement(s)
        self.join(cond, (then_ops, then_env), (else_ops, else_env), stmt)

    def join(self, cond: ir.Operand, then: tuple, orelse: tuple, node: ast.AST) -> None:
        """Emit the `If` for two built branches; a φ (If result) for each name they change."""
        (then_ops, then_env), (else_ops, else_env) = then, orelse
        names = [n for n in dict.fromkeys([*then_env, *else_env]) if self.changed(n, then_env, else_env)]
        results, then_yields, else_yields = [], [], []
        for name in names:
            values = (then_env.get(name, ir.UNDEF), else_env.get(name, ir.UNDEF))
            for v in values:
                if isinstance(v, (Static, tuple)):
                    raise unsupported(
                        f"'{name}' holding a {describe_value(v)} assigned in a branch", self.loc(node)
                    )
            result = Var(self.namer.fresh(name), ir.LOCAL)
            if any(v is ir.UNDEF or v in self.maybe_undefined for v in values):
                self.maybe_undefined.add(result)
            results.append(result)
            then_yields.append(values[0])
            else_yields.append(values[1])
            self.env[name] = result
        then_block = ir.Block((), then_ops, tuple(then_yields))
        else_block = ir.Block((), else_ops, tuple(else_yields))
        if then_ops or else_ops or results:
            self.ops.append(ir.If(cond, then_block, else_block, tuple(results), self.loc(node)))

    def changed(self, name: str, then_env: dict, else_env: dict) -> bool:
        before = self.env.get(name, ir.UNDEF)
        return then_env.get(name, ir.UNDEF) is not before or else_env.get(name, ir.UNDEF) is not before

    def is_exit_guard(self, test: ast.expr) -> bool:
        """``not <flag>`` / ``not (<flag> or ...)`` over flags that desugaring introduced."""
        if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):
            return False
        inner = test.operand
        names = inner.values if isinstance(inner, ast.BoolOp) else [inner]
        return all(isinstance(n, ast.Name) and n.id in self.internal for n in names)

    def stmt_for(self, stmt: ast.For) -> None:
        if not isinstance(stmt.target, ast.Name):
            raise unsupported("a for loop target other than a single name", self.loc(stmt))
        start, stop, step = self.range_operands(stmt)
        index = Var(self.namer.fresh(stmt.target.id), ir.LOCAL)
        names = list(dict.fromkeys([stmt.target.id, *assigned_in(stmt.body)]))
        carried, inits = self.carry(names, stmt)
        with self.region(self.env) as (body_ops, env):
            env.update(zip(names, carried))
            env[stmt.target.id] = index
            for s in stmt.body:
                self.statement(s)
            yields = tuple(env[n] for n in names)
        results = self.loop_results(names)
        body = ir.Block(tuple(carried), body_ops, yields)
        self.ops.append(ir.For(index, start, stop, step, inits, body, results, self.loc(stmt)))

    def stmt_while(self, stmt: ast.While) -> None:
        names = assigned_in(stmt.body)
        carried, inits = self.carry(names, stmt)
        loop_env = {**self.env, **dict(zip(names, carried))}
        with self.region(loop_env) as (test_ops, _):
            cond = self.operand(stmt.test)
        with self.region(loop_env) as (body_ops, env):
            for s in stmt.body:
                self.statement(s)
            yields = tuple(env[n] for n in names)
        results = self.loop_results(names)
        test = ir.Block((), test_ops, (cond,))
        body = ir.Block(tuple(carried), body_ops, yields)
        self.ops.append(ir.While(inits, test, body, results, self.loc(stmt)))

    def carry(self, names: list, stmt: ast.stmt) -> tuple:
        """Block arguments for the names a loop assigns, and their values on entry."""
        inits = []
        for name in names:
            value = self.env.get(name, ir.UNDEF)
            if isinstance(value, (Static, tuple)):
                raise unsupported(
                    f"reassigning '{name}' (a {describe_value(value)}) in a loop", self.loc(stmt)
                )
            inits.append(value)
        carried = [Var(self.namer.fresh(n), ir.LOCAL) for n in names]
        return carried, tuple(inits)

    def loop_results(self, names: list) -> tuple:
        results = tuple(Var(self.namer.fresh(n), ir.LOCAL) for n in names)
        self.env.update(zip(names, results))
        return results

    def range_operands(self, stmt: ast.For) -> tuple:
        it = stmt.iter
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"):
            raise unsupported("a for loop over anything but range(...)", self.loc(stmt))
        if it.keywords or not 1 <= len(it.args) <= 3:
            raise SrcdiffError("range() takes 1 to 3 positional arguments", self.loc(stmt))
        args = [self.operand(a) for a in it.args]
        if len(args) == 1:
            args = [Const(0), args[0]]
        if len(args) == 2:
            args.append(Const(1))
        if isinstance(args[2], Const) and args[2].value == 0:
            raise SrcdiffError("range() step must not be zero", self.loc(stmt))
        return tuple(args)

    def assign(self, target: ast.expr, value: Any, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Var) and value.kind == ir.TEMP:
                self.namer.release(value.name)
                value.name, value.kind = self.namer.fresh(target.id), ir.LOCAL
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, ShapeOf):  # n, m = x.shape
                value = tuple(
                    self.emit(runtime.dim, (value.obj, Const(k)), stmt) for k in range(len(target.elts))
                )
            if not isinstance(value, tuple):
                raise SrcdiffError("cannot unpack a single value into several names", self.loc(stmt))
            if len(value) != len(target.elts):
                raise SrcdiffError(
                    f"cannot unpack {len(value)} values into {len(target.elts)} names", self.loc(stmt)
                )
            for t, v in zip(target.elts, value):
                self.assign(t, v, stmt)
        elif isinstance(target, ast.Subscript):
            self.store(target, value, stmt)
        else:
            raise unsupported(f"assignment to {type(target).__name__}", self.loc(stmt))

    def store(
        self, target: ast.Subscript, value: Any, stmt: ast.stmt, op: ast.operator | None = None
    ) -> None:
        """``x[index] = value`` (``x[index] op= value`` if `op`): a new SSA version of the array ``x``.

        `buffers` checks later that the versions of ``x`` can share one buffer, written in place."""
        target = flatten_subscript(target, self.loc(stmt))
        if not isinstance(target.value, ast.Name):
            raise unsupported(
                f"writing into {ast.unparse(target.value)}", self.loc(stmt), "write into a name"
            )
        name = target.value.id
        array = self.expr(target.value)
        if not isinstance(array, Var):
            raise SrcdiffError(f"cannot write into '{name}': it is a {describe_value(array)}", self.loc(stmt))
        operands, pattern = self.index_operands(target.slice)
        kwargs = (("pattern", Const(pattern)),)
        if op is not None:
            fn = BINARY_OPS.get(type(op))
            if fn is None:
                raise unsupported(f"the operator {type(op).__name__}", self.loc(stmt))
            current = self.emit(operator.getitem, (array, *operands), target, kwargs)
            value = self.emit(fn, (current, value), stmt)
        if isinstance(value, tuple):
            raise unsupported("writing a tuple into an array", self.loc(stmt))
        result = Var(self.namer.fresh(name), ir.LOCAL)
        self.ops.append(Op(runtime.store, (array, *operands, value), result, self.loc(stmt), kwargs))
        self.env[name] = result

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
        if value is None or isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            return Const(value.item() if isinstance(value, np.generic) else value)
        if isinstance(value, tuple):
            return tuple(self.static_operand(v, node) for v in value)
        if isinstance(value, np.ndarray):
            raise SrcdiffError(
                f"'{ast.unparse(node)}' is an array defined outside {self.scope.name}: srcdiff takes only "
                f"numbers from globals and closures; pass the array as an argument",
                self.loc(node),
            )
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
            value = self.env[node.id]
            if value is ir.UNDEF or value in self.maybe_undefined:
                self.check_defined(node)
            return value
        if node.id in self.assigned:
            raise SrcdiffError(f"local variable '{node.id}' is used before it is assigned", self.loc(node))
        found, value = self.scope.lookup(node.id)
        if not found:
            raise SrcdiffError(f"name '{node.id}' is not defined", self.loc(node))
        return Static(value)

    def check_defined(self, node: ast.Name) -> None:
        """Reading a name some path left unassigned: an error, as Python would raise one."""
        if self.guard_depth or node.id in self.internal:
            return  # desugaring guards this read by the flag of the exit that skipped the assignment
        raise SrcdiffError(
            f"'{node.id}' may be undefined here: it is assigned on some paths only; "
            "assign it before the branch",
            self.loc(node),
        )

    def expr_IfExp(self, node: ast.IfExp) -> ir.Operand:
        cond = self.operand(node.test)
        return self.choose(cond, lambda: self.operand(node.body), lambda: self.operand(node.orelse), node)

    def expr_BoolOp(self, node: ast.BoolOp) -> ir.Operand:
        """``a and b`` is ``b if a else a``; ``a or b`` is ``a if a else b``: both short-circuit."""
        result = self.operand(node.values[0])
        for value_node in node.values[1:]:
            first = result
            rest = lambda n=value_node: self.operand(n)  # noqa: E731
            keep = lambda v=first: v  # noqa: E731
            if isinstance(node.op, ast.And):
                result = self.choose(first, rest, keep, node)
            else:
                result = self.choose(first, keep, rest, node)
        return result

    def choose(self, cond: ir.Operand, then_fn, else_fn, node: ast.AST) -> ir.Operand:
        """An expression-level `If`: each branch's value is built in its own region."""
        if isinstance(cond, Const):
            return then_fn() if cond.value else else_fn()
        with self.region(self.env) as (then_ops, _):
            then_value = then_fn()
        with self.region(self.env) as (else_ops, _):
            else_value = else_fn()
        if then_value is else_value and not then_ops and not else_ops:
            return then_value
        result = Var(self.namer.fresh("choice"), ir.TEMP)
        then_block = ir.Block((), then_ops, (then_value,))
        else_block = ir.Block((), else_ops, (else_value,))
        self.ops.append(ir.If(cond, then_block, else_block, (result,), self.loc(node)))
        return result

    def expr_Attribute(self, node: ast.Attribute) -> Any:
        base = self.expr(node.value)
        if isinstance(base, Var):
            return self.array_attribute(base, node)
        if not isinstance(base, Static):
            raise unsupported(f"the attribute .{node.attr} of a number", self.loc(node))
        if not hasattr(base.value, node.attr):
            raise SrcdiffError(f"{describe(base.value)} has no attribute '{node.attr}'", self.loc(node))
        return Static(getattr(base.value, node.attr))

    def array_attribute(self, base: Var, node: ast.Attribute) -> Any:
        """``x.T``, ``x.shape``, ``x.ndim``, ``x.size`` and the methods of `ARRAY_METHODS`."""
        if node.attr == "T":
            return self.emit(np.transpose, (base,), node)
        if node.attr == "shape":
            return ShapeOf(base)
        if node.attr in ("ndim", "size"):
            return self.emit(runtime.ndim if node.attr == "ndim" else np.size, (base,), node)
        if node.attr in ARRAY_METHODS:
            return Method(base, node.attr)
        raise unsupported(f"the attribute .{node.attr}", self.loc(node))

    def expr_Subscript(self, node: ast.Subscript) -> Any:
        """``x[i]``, ``x[i, j]``, ``x[1:-1]``, ``x[:, None]``, ``x.shape[0]``, ``pair[1]``."""
        base = self.expr(node.value)
        if isinstance(base, ShapeOf):
            return self.emit(runtime.dim, (base.obj, self.operand(node.slice)), node)
        if isinstance(base, tuple):
            index = self.operand(node.slice)
            if not isinstance(index, Const) or not isinstance(index.value, int):
                raise unsupported("indexing a tuple with a computed index", self.loc(node))
            return base[index.value]
        array = self.operand(node.value) if not isinstance(base, Var) else base
        operands, pattern = self.index_operands(node.slice)
        return self.emit(operator.getitem, (array, *operands), node, (("pattern", Const(pattern)),))

    def index_operands(self, index: ast.expr) -> tuple[list, tuple]:
        """The operands of an index and its pattern: what each entry is ("value", "slice", "none")."""
        entries = index.elts if isinstance(index, ast.Tuple) else [index]
        pattern, operands = [], []
        for entry in entries:
            if isinstance(entry, ast.Slice):
                pattern.append("slice")
                operands += [
                    self.operand(e) if e is not None else Const(None)
                    for e in (entry.lower, entry.upper, entry.step)
                ]
                continue
            if isinstance(entry, ast.Constant) and entry.value is Ellipsis:
                raise unsupported(
                    "indexing with ... (Ellipsis)", self.loc(entry), "write the slices out: x[:, :, 0]"
                )
            value = self.expr(entry)
            if (isinstance(value, Static) and value.value is None) or value == Const(None):
                pattern.append("none")
            else:
                pattern.append("value")
                operands.append(self.operand(entry))
        return operands, tuple(pattern)

    def expr_Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.value(e) for e in node.elts)

    def expr_BinOp(self, node: ast.BinOp) -> ir.Operand:
        fn = BINARY_OPS.get(type(node.op))
        if fn is None:
            raise unsupported(f"the operator {type(node.op).__name__}", self.loc(node))
        result = self.emit(fn, (self.operand(node.left), self.operand(node.right)), node)
        if getattr(node, "srcdiff_in_place", False) and self.ops and self.ops[-1].result is result:
            self.ops[-1].in_place = True
        return result

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
        if isinstance(callee, Method):
            if callee.name == "reshape" and len(node.args) > 1:  # x.reshape(3, 2)
                shape = ast.copy_location(ast.Tuple(node.args, ast.Load()), node)
                node = ast.Call(node.func, [shape], node.keywords)
            callee, method_self = Static(ARRAY_METHODS[callee.name]), [callee.obj]
        elif not isinstance(callee, Static):
            raise unsupported("calling a computed value", self.loc(node))
        else:
            method_self = []
        fn = callee.value
        args = method_self + [self.value(a) for a in node.args if not isinstance(a, ast.Starred)]
        kwargs = {k.arg: self.value(k.value) for k in node.keywords}
        if len(args) != len(method_self) + len(node.args) or None in kwargs:
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
        if kwargs and not is_library_function(fn):
            raise unsupported(f"keyword arguments to {name}", self.loc(node), "pass them by position")
        if fn is len and isinstance(args[0], tuple):
            return Const(len(args[0]))
        if any(isinstance(a, tuple) for a in kwargs.values()):
            raise unsupported(f"passing a tuple by keyword to {name}", self.loc(node))
        if any(isinstance(a, tuple) for a in args):
            if fn not in PACKING or (kwargs and fn not in JOINING):
                raise unsupported(f"passing a tuple or list to {name}", self.loc(node))
            return self.packed_call(fn, args, kwargs, node)
        if fn is len:
            return self.emit(runtime.dim, (args[0], Const(0)), node)
        if fn in AXIS_REDUCTIONS and len(args) == 2 and "axis" not in kwargs:  # np.sum(x, 0)
            kwargs = {"axis": args.pop()}
        self.check_arity(fn, args, name, node)
        if kwargs:
            return self.reduction_with_options(fn, args, kwargs, node)
        if fn is math.log and len(args) == 2:  # log(x, base) = log(x) / log(base)
            num, den = self.emit(math.log, args[:1], node), self.emit(math.log, args[1:], node)
            return self.emit(operator.truediv, (num, den), node)
        if fn in (min, max) and len(args) > 2:
            result = args[0]
            for a in args[1:]:
                result = self.emit(fn, (result, a), node)
            return result
        return self.emit(fn, tuple(args), node)

    def packed_call(self, fn: Callable, args: list, kwargs: dict, node: ast.Call) -> ir.Operand:
        """``np.zeros((n, m))``, ``np.reshape(x, (3, 2))``, ``np.concatenate((a, b), axis=1)``: a tuple
        argument's items become operands; the ``packed`` option says where each tuple starts and how
        long it is."""
        if fn in JOINING:
            if len(args) == 2 and "axis" not in kwargs:  # np.concatenate((a, b), 1)
                kwargs["axis"] = args.pop()
            axis = kwargs.pop("axis", Const(0))
            if kwargs or len(args) != 1 or not isinstance(axis, Const) or not isinstance(axis.value, int):
                raise unsupported(
                    f"these arguments to {describe(fn)}", self.loc(node), "pass (a, b, ...), axis=k"
                )
            options = (("axis", axis),)
        else:
            options = ()
        flat, packed = [], []
        for a in args:
            if isinstance(a, tuple):
                if any(isinstance(item, tuple) for item in a):
                    raise unsupported("nested tuples or lists", self.loc(node))
                packed.append((len(flat), len(a)))
                flat += a
            else:
                flat.append(a)
        return self.emit(fn, tuple(flat), node, (("packed", Const(tuple(packed))), *options))

    def expr_List(self, node: ast.List) -> tuple:
        """A list literal, as an argument of `np.array` or a shape: its items, like a tuple."""
        return tuple(self.value(e) for e in node.elts)

    def reduction_with_options(self, fn: Callable, args: list, kwargs: dict, node: ast.Call) -> ir.Operand:
        """``np.sum(x, axis=0, keepdims=True)`` and friends, in the forms numba compiles.

        numba's reductions take ``axis`` only for `np.sum`: a mean over an axis is a sum
        divided by that axis's length, max/min/prod call `runtime` helpers (`ALONG`),
        and ``keepdims`` re-inserts the axis.
        """
        name = describe(fn)
        axis, keepdims = kwargs.pop("axis", Const(None)), kwargs.pop("keepdims", Const(False))
        if kwargs or not isinstance(axis, Const) or not isinstance(keepdims, Const):
            raise unsupported(
                f"these keyword arguments to {name}", self.loc(node), "only constant axis= and keepdims="
            )
        if axis.value is None:
            if keepdims.value:
                raise unsupported(f"{name}(..., keepdims=True) without an axis", self.loc(node))
            return self.emit(fn, tuple(args), node)
        if fn not in (np.sum, np.mean, *ALONG):
            raise unsupported(f"{name} with axis=", self.loc(node))
        result = self.emit(ALONG.get(fn, np.sum), tuple(args), node, (("axis", axis),))
        if fn is np.mean:
            result = self.emit(
                operator.truediv, (result, self.emit(runtime.dim, (args[0], axis), node)), node
            )
        if keepdims.value:  # np.asarray: numba expands arrays only, and a 1-d x reduces to a number
            result = self.emit(np.expand_dims, (self.emit(np.asarray, (result,), node), axis), node)
        return result

    def check_arity(self, fn: Callable, args: list, name: str, node: ast.Call) -> None:
        """A primitive with a rule takes as many arguments as the rule has inputs."""
        if fn in (min, max):
            if len(args) < 2:
                raise unsupported(
                    f"{name} of one value (an iterable)", self.loc(node), f"pass {name} two or more numbers"
                )
            return
        _, rule = self.rules.lookup(fn)
        if rule is None or fn in PACKING:  # their shape arguments are not the rule's inputs
            return
        most, least = len(rule.inputs), len(rule.inputs) - len(rule.defaults)
        if fn is math.log:
            most = 2
        if not least <= len(args) <= most:
            expected = str(most) if least == most else f"{least} to {most}"
            raise SrcdiffError(f"{name} takes {expected} argument(s), got {len(args)}", self.loc(node))

    def inline(self, fn: Callable, args: list, kwargs: dict, node: ast.Call) -> Any:
        """Build a user function's body in place, its parameters bound to the arguments."""
        target = frontend.unwrap(fn)
        if target in self.stack:
            cycle = [f.__name__ for f in self.stack[self.stack.index(target) :]] + [target.__name__]
            raise unsupported(f"recursion ({' calls '.join(cycle)})", self.loc(node))
        try:
            parsed = frontend.parse(target)
        except NoSource as e:  # the callee's own line if it has one (a lambda); else the call's
            if e.loc and os.path.exists(e.loc.file):
                raise
            message = f"cannot differentiate through {target.__name__}: {e.message}"
            raise SrcdiffError(message, self.loc(node)) from None
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

    def emit(self, fn: Callable, args: tuple, node: ast.AST | None, kwargs: tuple = ()) -> ir.Operand:
        """Append ``fn(*args, **kwargs)``; return its result (folded if all args are constants)."""
        folded = fold(fn, args) if not kwargs else None
        if folded is not None:
            return folded
        if fn is operator.pow and args[1] == Const(1):  # the power rule's x ** (2 - 1)
            return args[0]
        result = Var(self.namer.fresh(temp_hint(fn, args)), ir.TEMP)
        loc = self.fixed_loc or (self.loc(node) if node else None)
        self.ops.append(Op(fn, tuple(args), result, loc, kwargs))
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


class LazyBindings(dict):
    """A rule's parameters, each resolved only when the rule's body reads it.

    The reverse pass stores a loop value only if a rule reads it, so reading is
    what decides; a parameter the needed statements never mention costs nothing.
    """

    def __init__(self, resolvers: dict):
        super().__init__()
        self.resolvers = resolvers

    def __contains__(self, name) -> bool:
        return super().__contains__(name) or name in self.resolvers

    def __missing__(self, name):
        value = self[name] = self.resolvers[name]()
        return value


def instantiate_rule(rule, bindings: dict, wanted: list, rules, namer, ops: list, loc) -> dict:
    """Append the ops `rule` needs for inputs `wanted`; return {input index: contribution}.

    `bindings` maps the rule's parameter names to zero-argument functions giving
    the operand each stands for.
    """
    wanted = [i for i in wanted if rule.differentiable(i)]
    builder = Builder(RuleScope(rule), rules, namer, None, ops, loc=loc)
    builder.env = LazyBindings(bindings)
    for stmt in rule.needed(wanted):
        builder.statement(stmt)
    return {i: builder.operand(rule.outputs[i]) for i in wanted}


# ---------------------------------------------------------------- helpers


def fold(fn: Callable, args: tuple) -> Const | None:
    """Evaluate `fn` now if every argument is a constant and the result is a finite number."""
    if not args or not all(isinstance(a, Const) for a in args) or fn is ir.COPY:
        return None
    if fn in (operator.is_, operator.is_not):
        return Const(fn(args[0].value, args[1].value))
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
    return inspect.isfunction(frontend.unwrap(fn)) and not is_library_function(fn)


def is_library_function(fn: Any) -> bool:
    """math/numpy callables become primitive ops even without a rule (an error only if active)."""
    module = getattr(fn, "__module__", None) or ""
    return module == "math" or module.split(".")[0] in ("numpy", "scipy") or isinstance(fn, np.ufunc)


def describe(value: Any) -> str:
    if inspect.ismodule(value):
        return f"module {value.__name__}"
    return ir.qualified_name(value) if callable(value) else repr(value)


def assigned_in(stmts: list) -> list:
    """Names assigned anywhere in `stmts`, in order of first assignment."""
    names: dict = {}
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.setdefault(node.id)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                base = flatten_subscript(node, None).value  # x[i] = v assigns a new version of x
                if isinstance(base, ast.Name):
                    names.setdefault(base.id)
            elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                names.setdefault(node.target.id)
    return list(names)


def flatten_subscript(target: ast.Subscript, loc: Loc | None) -> ast.Subscript:
    """``x[i][j]`` as ``x[i, j]`` when every index is a single entry (writing into the row view
    ``x[i]`` writes into ``x``); a slice inside a chain is refused."""
    if not isinstance(target.value, ast.Subscript):
        return target
    inner = flatten_subscript(target.value, loc)
    entries = [e for s in (inner.slice, target.slice) for e in (s.elts if isinstance(s, ast.Tuple) else [s])]
    if any(isinstance(e, ast.Slice) for e in entries):
        if loc is None:
            return target
        raise unsupported("writing through a chain of subscripts with a slice", loc, "write x[a:b, j] = ...")
    index = ast.copy_location(ast.Tuple(entries, ast.Load()), target.slice)
    return ast.copy_location(ast.Subscript(inner.value, index, target.ctx), target)


def describe_value(value: Any) -> str:
    return "tuple" if isinstance(value, tuple) else type(getattr(value, "value", value)).__name__


def assigned_names(func: ast.FunctionDef) -> set:
    """Names the function assigns: Python treats them as local everywhere in it."""
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names
