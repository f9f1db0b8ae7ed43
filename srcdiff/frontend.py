"""Frontend: a Python function → its normalized AST and the names it can see.

Consumes a function object; produces a `ParsedFunction` holding the function's
``ast.FunctionDef`` (line numbers as in the user's file, decorators removed,
docstring dropped, augmented and annotated assignments rewritten to plain ones)
and a resolver for the globals, closure cells and builtins the body reads.
Unsupported constructs are rejected here, by `fence.check`, with the user's
``file:line``.
"""

from __future__ import annotations

import ast
import builtins
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import desugar, fence
from .errors import Loc, NoSource, SrcdiffError


@dataclass
class ParsedFunction:
    """A user function ready for SSA construction."""

    fn: Callable
    node: ast.FunctionDef
    file: str
    namespace: dict  # closure cells over globals over builtins, looked up in that order
    internal: frozenset = frozenset()  # names desugaring introduced (flags, the result)

    @property
    def name(self) -> str:
        return self.node.name

    def loc(self, node: ast.AST | None = None) -> Loc:
        node = node if node is not None else self.node
        return Loc(self.file, getattr(node, "lineno", self.node.lineno), getattr(node, "col_offset", 0))

    def lookup(self, name: str) -> tuple[bool, Any]:
        """The value a free name refers to: (found, value)."""
        if name in self.namespace:
            return True, self.namespace[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None


def unwrap(fn: Callable) -> Callable:
    """The plain Python function behind a numba dispatcher or functools wrapper."""
    fn = getattr(fn, "py_func", fn)
    return inspect.unwrap(fn)


def parse(fn: Callable) -> ParsedFunction:
    """Read `fn`'s source and return it normalized; raise SrcdiffError if we can't."""
    if getattr(fn, "__srcdiff_transformed__", False):
        raise SrcdiffError(
            f"{fn.__name__} is already a srcdiff gradient; derivatives of gradients "
            "(grad of grad, hessians) are not supported yet"
        )
    fn = unwrap(fn)
    name = getattr(fn, "__name__", repr(fn))
    if not inspect.isfunction(fn):
        raise NoSource(f"{name} is not a Python function with source (got {type(fn).__name__})")
    if fn.__name__ == "<lambda>":
        raise NoSource(
            "a lambda is not supported by srcdiff: define the function with def",
            Loc(fn.__code__.co_filename, fn.__code__.co_firstlineno),
        )
    file = fn.__code__.co_filename
    try:
        lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise NoSource(
            f"the source of {name} is not available (defined in a REPL or an exec string?): "
            "srcdiff reads a function's source, so define it in a file",
            Loc(file, fn.__code__.co_firstlineno),
        ) from None
    tree = ast.parse(dedent(lines))
    ast.increment_lineno(tree, first_line - 1)
    node = tree.body[0]
    if isinstance(node, ast.AsyncFunctionDef):
        raise SrcdiffError("async def is not supported by srcdiff", Loc(file, node.lineno))
    if not isinstance(node, ast.FunctionDef):
        raise SrcdiffError(f"could not find the definition of {name}", Loc(file, first_line))
    parsed = ParsedFunction(fn, node, file, namespace_of(fn))
    fence.check(parsed)
    body = normalize(node)
    if not desugar.always_exits(body.body):
        raise SrcdiffError(
            f"{name} can reach its end without returning a value (Python would return None); "
            "end every path with `return <value>`",
            parsed.loc(body.body[-1]),
        )
    parsed.node, parsed.internal = desugar.desugar(body)
    return parsed


def dedent(lines: list) -> str:
    """Remove the indentation of the `def` line from every line that has it.

    Unlike `textwrap.dedent`, a comment at column 0 inside a nested function does
    not stop the rest from being dedented.
    """
    first = next(line for line in lines if line.strip())
    indent = first[: len(first) - len(first.lstrip())]
    return "".join(line[len(indent) :] if line.startswith(indent) else line for line in lines)


def namespace_of(fn: Callable) -> dict:
    """The names a function's body can read: its closure cells shadow its globals."""
    namespace = dict(fn.__globals__)
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            namespace[name] = cell.cell_contents
        except ValueError:  # an empty cell: the name is not bound yet
            pass
    return namespace


# ---------------------------------------------------------------- desugaring


class Normalizer(ast.NodeTransformer):
    """Rewrite sugar into the forms the SSA builder knows."""

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.Assign:
        target = ast.Name(node.target.id, ast.Load()) if isinstance(node.target, ast.Name) else None
        if target is None:
            return node  # subscript targets are handled by the SSA builder
        value = ast.BinOp(ast.copy_location(target, node), node.op, self.visit(node.value))
        value.srcdiff_in_place = True  # NumPy's x += v writes into x's array: ssa marks the op
        return ast.copy_location(ast.Assign([node.target], ast.copy_location(value, node)), node)

    def visit_AnnAssign(self, node: ast.AnnAssign):
        if node.value is None:
            return None  # a bare annotation declares nothing at run time
        return ast.copy_location(ast.Assign([node.target], self.visit(node.value)), node)


def normalize(node: ast.FunctionDef) -> ast.FunctionDef:
    node.decorator_list = []
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring
    node.body = body or [ast.copy_location(ast.Pass(), node)]
    return ast.fix_missing_locations(Normalizer().visit(node))
