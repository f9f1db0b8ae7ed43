"""The fence: reject what srcdiff does not differentiate, before any work is done.

One entry per AST node kind: allowed, or rejected with the name a user knows the
construct by. Every rejection is a `SrcdiffError` at the user's ``file:line``.
"""

from __future__ import annotations

import ast

from .errors import SrcdiffError, unsupported

REJECTED = {
    ast.Try: "try/except",
    ast.With: "a with statement",
    ast.AsyncWith: "async with",
    ast.AsyncFor: "async for",
    ast.AsyncFunctionDef: "async def",
    ast.Await: "await",
    ast.Yield: "yield (generators)",
    ast.YieldFrom: "yield from (generators)",
    ast.Lambda: "lambda",
    ast.ClassDef: "a class definition",
    ast.FunctionDef: "a nested function definition",
    ast.Global: "a global statement",
    ast.Nonlocal: "a nonlocal statement",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "string formatting (f-strings)",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Raise: "raise",
    ast.Assert: "assert",
    ast.Delete: "del",
    ast.Import: "import inside a function",
    ast.ImportFrom: "import inside a function",
    ast.Starred: "star-unpacking (*args)",
    ast.NamedExpr: "the walrus operator (:=)",
}
if hasattr(ast, "Match"):
    REJECTED[ast.Match] = "a match statement"
if hasattr(ast, "TryStar"):
    REJECTED[ast.TryStar] = "try/except*"

HINTS = {
    ast.Lambda: "define the function with def at module level",
    ast.FunctionDef: "define it at module level; srcdiff differentiates through calls",
    ast.ListComp: "write a loop",
    ast.GeneratorExp: "write a loop",
}


def check(parsed) -> None:
    """Raise SrcdiffError at the first unsupported construct in `parsed`'s body."""
    node = parsed.node
    check_signature(parsed)
    for stmt in node.body:
        for child in sorted(ast.walk(stmt), key=lambda n: not isinstance(n, tuple(REJECTED))):
            kind = type(child)
            if kind in REJECTED:
                raise unsupported(REJECTED[kind], parsed.loc(child), HINTS.get(kind, ""))
            if isinstance(child, ast.Return) and child.value is None:
                raise SrcdiffError("a return without a value: write `return <value>`", parsed.loc(child))
            if isinstance(child, (ast.For, ast.While)) and child.orelse:
                raise unsupported(f"{type(child).__name__.lower()} ... else", parsed.loc(child))
            if isinstance(child, ast.Constant) and isinstance(child.value, (str, bytes)):
                if not is_docstring(node, child):
                    raise unsupported(
                        "a string value", parsed.loc(child), "srcdiff differentiates numeric code"
                    )
            if isinstance(child, ast.Expr) and isinstance(child.value, ast.Call):
                callee = ast.unparse(child.value.func)
                raise unsupported(
                    f"calling {callee}(...) as a statement (its result is thrown away)",
                    parsed.loc(child),
                    "srcdiff differentiates pure numeric code",
                )
            if isinstance(child, ast.Expr) and not is_docstring(node, child.value):
                raise unsupported(
                    "an expression statement (a value computed and thrown away)",
                    parsed.loc(child),
                    "assign it to a name or remove it",
                )


def check_signature(parsed) -> None:
    args = parsed.node.args
    if args.vararg or args.kwarg:
        raise unsupported("*args/**kwargs parameters", parsed.loc(), "list the parameters by name")
    if args.kwonlyargs or getattr(args, "posonlyargs", []):
        raise SrcdiffError(
            "keyword-only and positional-only parameters are not supported yet; use plain parameters",
            parsed.loc(),
        )


def is_docstring(func: ast.FunctionDef, node: ast.AST) -> bool:
    first = func.body[0] if func.body else None
    return (
        isinstance(first, ast.Expr)
        and first.value is node
        and isinstance(node, ast.Constant)
        and isinstance(node.value, str)
    )
