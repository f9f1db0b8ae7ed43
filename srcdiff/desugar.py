"""Desugaring control flow: `return`, `break` and `continue` become structured code.

Consumes a normalized ``ast.FunctionDef``; produces a new one in which the only
`return` is the last statement and no `break` or `continue` remains, so the SSA
builder sees nothing but nested if/for/while regions (DESIGN: structured SSA).

* An `if` whose branch always leaves the block takes the rest of the block into
  its other branch: ``if c: return a`` / ``return b`` becomes
  ``if c: result = a`` / ``else: result = b``. No flag is needed.
* Otherwise an exit sets a flag (``returned``, ``broke``, ``continued``) and the
  statements after it run under ``if not <flag>:``.
* A `for` loop that a `break` or `return` can leave becomes a `while` loop, so it
  stops as early as Python's would (its range is evaluated once, at entry).
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field

from .errors import unsupported
from .naming import Namer

EXITS = (ast.Return, ast.Break, ast.Continue)


@dataclass
class Loop:
    """Flags of the loop being lowered."""

    broke: str | None = None  # set by `break`, tested by the loop condition
    continued: str | None = None  # set by `continue`, guards the rest of the body


@dataclass
class Context:
    namer: Namer
    result: str
    returned: str | None = None  # set by a `return` that a flag must carry out
    loops: list = field(default_factory=list)
    internal: set = field(default_factory=set)


def desugar(func: ast.FunctionDef) -> tuple[ast.FunctionDef, frozenset]:
    """The function with structured control flow only, and the names this introduced."""
    taken = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | {a.arg for a in func.args.args}
    namer = Namer(taken)
    ctx = Context(namer, result=namer.fresh("result"))
    body = lower_block(func.body, ctx, top=True)
    if ctx.returned:
        body = [assign(ctx.returned, ast.Constant(False), func), *body]
    if not (body and isinstance(body[-1], ast.Return)):
        body.append(ast.copy_location(ast.Return(ast.Name(ctx.result, ast.Load())), func.body[-1]))
        ctx.internal.add(ctx.result)
    new = copy.copy(func)
    new.body = drop_unread_flags(body, ctx.internal)
    return ast.fix_missing_locations(new), frozenset(ctx.internal)


def lower_block(stmts: list, ctx: Context, top: bool = False) -> list:
    """Lower a statement list; statements after an exit run only if it was not taken."""
    out: list = []
    for i, stmt in enumerate(stmts):
        rest = stmts[i + 1 :]
        if isinstance(stmt, EXITS):
            out += lower_exit(stmt, ctx, final=top and not rest)
            return out
        if isinstance(stmt, ast.If) and may_exit(stmt):
            return out + lower_exiting_if(stmt, rest, ctx)
        if is_loop(stmt):
            out += lower_loop(stmt, ctx)
            if contains(stmt, ast.Return, into_loops=True) and rest:
                out.append(guard([ctx.returned], lower_block(rest, ctx, top), stmt))
                return out
            continue
        if isinstance(stmt, ast.If):  # it cannot leave this block, but loops inside it may need lowering
            stmt = ast.copy_location(
                ast.If(
                    stmt.test, lower_block(stmt.body, ctx) or [pass_(stmt)], lower_block(stmt.orelse, ctx)
                ),
                stmt,
            )
        out.append(stmt)
    return out


def lower_exit(stmt: ast.stmt, ctx: Context, final: bool) -> list:
    if isinstance(stmt, ast.Return):
        value = stmt.value if stmt.value is not None else ast.Constant(None)
        if final and not ctx.returned:
            return [stmt]
        out = [assign(ctx.result, value, stmt)]
        ctx.internal.add(ctx.result)
        if ctx.returned:
            out.append(assign(ctx.returned, ast.Constant(True), stmt))
        return out
    loop = ctx.loops[-1]
    if isinstance(stmt, ast.Break):
        loop.broke = loop.broke or flag(ctx, "broke")
        return [assign(loop.broke, ast.Constant(True), stmt)]
    loop.continued = loop.continued or flag(ctx, "continued")
    return [assign(loop.continued, ast.Constant(True), stmt)]


def flag(ctx: Context, hint: str) -> str:
    name = ctx.namer.fresh(hint)
    ctx.internal.add(name)
    return name


def lower_exiting_if(stmt: ast.If, rest: list, ctx: Context) -> list:
    """An `if` that may leave the block: move the rest into the branch that stays, or guard it."""
    then_exits, else_exits = always_exits(stmt.body), always_exits(stmt.orelse)
    body, orelse = stmt.body, stmt.orelse
    if then_exits and not may_exit_block(orelse):
        orelse, rest = orelse + rest, []
    elif else_exits and not may_exit_block(body):
        body, rest = body + rest, []
    elif then_exits and else_exits:
        rest = []
    elif contains(stmt, ast.Return, into_loops=True) and not ctx.returned:
        ctx.returned = flag(ctx, "returned")  # the rest runs under `if not returned`
    lowered = ast.If(stmt.test, lower_block(body, ctx) or [pass_(stmt)], lower_block(orelse, ctx))
    new = ast.copy_location(lowered, stmt)
    lowered_rest = lower_block(rest, ctx)
    if not lowered_rest:
        return [new]
    return [new, guard(exit_flags(stmt, ctx), lowered_rest, stmt)]


def exit_flags(stmt: ast.stmt, ctx: Context) -> list:
    flags = []
    if contains(stmt, ast.Return, into_loops=True):
        flags.append(ctx.returned)
    if ctx.loops and contains(stmt, ast.Break):
        flags.append(ctx.loops[-1].broke)
    if ctx.loops and contains(stmt, ast.Continue):
        flags.append(ctx.loops[-1].continued)
    return flags


def lower_loop(stmt: ast.stmt, ctx: Context) -> list:
    if stmt.orelse:
        raise unsupported(f"{type(stmt).__name__.lower()} ... else", None)
    if contains(stmt, ast.Return, into_loops=True) and not ctx.returned:
        ctx.returned = flag(ctx, "returned")
    loop = Loop()
    ctx.loops.append(loop)
    body = lower_block(stmt.body, ctx) or [pass_(stmt)]
    ctx.loops.pop()
    if loop.continued:
        body = [assign(loop.continued, ast.Constant(False), stmt), *body]
    leaves = loop.broke is not None or (ctx.returned and contains(stmt, ast.Return, into_loops=True))
    stop_flags = [f for f in (loop.broke, ctx.returned if leaves else None) if f]
    if isinstance(stmt, ast.While):
        test = conjoin(stmt.test, stop_flags, stmt)
        out = [ast.copy_location(ast.While(test, body, []), stmt)]
    elif leaves:
        out = for_as_while(stmt, body, stop_flags, ctx)
    else:
        out = [ast.copy_location(ast.For(stmt.target, stmt.iter, body, [], None), stmt)]
    if loop.broke:
        out.insert(0, assign(loop.broke, ast.Constant(False), stmt))
    return out


def for_as_while(stmt: ast.For, body: list, stop_flags: list, ctx: Context) -> list:
    """``for i in range(a, b, s)`` that can stop early → a while loop over a counter."""
    args = range_args(stmt)
    if args is None or not isinstance(stmt.target, ast.Name):
        return [ast.copy_location(ast.For(stmt.target, stmt.iter, body, [], None), stmt)]  # SSA rejects it
    start, stop, step = args
    index = stmt.target.id
    counter, bound = ctx.namer.fresh(f"{index}_next"), ctx.namer.fresh(f"{index}_stop")
    setup = [assign(counter, start, stmt), assign(bound, stop, stmt)]
    if not isinstance(step, ast.Constant):
        step_name = ctx.namer.fresh(f"{index}_step")
        setup.append(assign(step_name, step, stmt))
        step = ast.Name(step_name, ast.Load())
    ctx.internal.update({counter, bound})
    test = in_range(ast.Name(counter, ast.Load()), ast.Name(bound, ast.Load()), step)
    advance = [
        assign(index, ast.Name(counter, ast.Load()), stmt),
        assign(counter, ast.BinOp(ast.Name(counter, ast.Load()), ast.Add(), step), stmt),
    ]
    loop = ast.While(conjoin(test, stop_flags, stmt), advance + body, [])
    return [*setup, ast.copy_location(loop, stmt)]


def range_args(stmt: ast.For):
    it = stmt.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"):
        return None
    if it.keywords or not 1 <= len(it.args) <= 3:
        return None
    args = list(it.args)
    if len(args) == 1:
        return ast.Constant(0), args[0], ast.Constant(1)
    return args[0], args[1], args[2] if len(args) == 3 else ast.Constant(1)


def in_range(counter: ast.expr, bound: ast.expr, step: ast.expr) -> ast.expr:
    if isinstance(step, ast.Constant):
        op = ast.Lt() if step.value > 0 else ast.Gt()
        return ast.Compare(counter, [op], [bound])
    up = ast.BoolOp(
        ast.And(),
        [ast.Compare(step, [ast.Gt()], [ast.Constant(0)]), ast.Compare(counter, [ast.Lt()], [bound])],
    )
    down = ast.BoolOp(
        ast.And(),
        [ast.Compare(step, [ast.Lt()], [ast.Constant(0)]), ast.Compare(counter, [ast.Gt()], [bound])],
    )
    return ast.BoolOp(ast.Or(), [up, down])


# ---------------------------------------------------------------- small AST helpers


def drop_unread_flags(body: list, internal: set) -> list:
    """Remove assignments to flags nothing reads (a `continue` at the end of a path)."""
    read = {
        n.id
        for stmt in body
        for n in ast.walk(stmt)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    unread = internal - read

    def keep(stmt: ast.stmt) -> bool:
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else None
        return not (isinstance(target, ast.Name) and target.id in unread)

    def clean(stmts: list) -> list:
        out = []
        for stmt in stmts:
            if not keep(stmt):
                continue
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                stmt.body = clean(stmt.body) or [pass_(stmt)]
                stmt.orelse = clean(stmt.orelse)
            out.append(stmt)
        return out

    return clean(body)


def is_loop(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.For, ast.While))


def contains(node: ast.AST, kind: type, into_loops: bool = False) -> bool:
    """Whether `node` holds a `kind` statement that leaves it (break/continue stop at loops)."""
    if isinstance(node, kind):
        return True
    children = node.body + node.orelse if isinstance(node, (ast.If, ast.For, ast.While)) else []
    if is_loop(node) and not into_loops and kind is not ast.Return:
        return False
    return any(contains(child, kind, into_loops or kind is ast.Return) for child in children)


def may_exit(stmt: ast.stmt) -> bool:
    return any(contains(stmt, kind) for kind in EXITS)


def may_exit_block(stmts: list) -> bool:
    return any(may_exit(s) for s in stmts)


def always_exits(stmts: list) -> bool:
    """Whether control never falls off the end of `stmts` (an exit, or ``while True`` without break)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, EXITS):
        return True
    if isinstance(last, ast.While) and isinstance(last.test, ast.Constant) and last.test.value is True:
        return not any(contains(s, ast.Break) for s in last.body)
    return isinstance(last, ast.If) and always_exits(last.body) and always_exits(last.orelse)


def assign(name: str, value: ast.expr, where: ast.AST) -> ast.Assign:
    return ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], value), where)


def pass_(where: ast.AST) -> ast.Pass:
    return ast.copy_location(ast.Pass(), where)


def guard(flags: list, body: list, where: ast.AST) -> ast.If:
    """``if not (flag or ...): body``."""
    test = (
        ast.Name(flags[0], ast.Load())
        if len(flags) == 1
        else ast.BoolOp(ast.Or(), [ast.Name(f, ast.Load()) for f in flags])
    )
    return ast.copy_location(ast.If(ast.UnaryOp(ast.Not(), test), body, []), where)


def conjoin(test: ast.expr, flags: list, where: ast.AST) -> ast.expr:
    """``test and not flag and ...``."""
    if not flags:
        return test
    nots = [ast.UnaryOp(ast.Not(), ast.Name(f, ast.Load())) for f in flags]
    return ast.copy_location(ast.BoolOp(ast.And(), [test, *nots]), where)
