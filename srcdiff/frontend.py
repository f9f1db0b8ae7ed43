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
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import fence
from .errors import Loc, SrcdiffError


@dataclass
class ParsedFunction:
    """A user function ready for SSA construction."""

    fn: Callable
    node: ast.FunctionDef
    file: str
    namespace: dict  # closure cells over globals over builtins, looked up in that order

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
    fn = unwrap(fn)
    name = getattr(fn, "__name__", repr(fn))
    if not inspect.isfunction(fn):
        raise SrcdiffError(f"{name} is not a Python function with source (got {type(fn).__name__})")
    if fn.__name__ == "<lambda>":
        raise SrcdiffError(
            f"lambda functions are not supported: define {name} with def",
            Loc(fn.__code__.co_filename, fn.__code__.co_firstlineno),
        )
    file = fn.__code__.co_filename
    try:
        lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise SrcdiffError(
            f"the source of {name} is not available (defined in a REPL or an exec string?): "
            "srcdiff reads a function's source, so define it in a file",
            Loc(file, fn.__code__.co_firstlineno),
        ) from None
    tree = ast.parse(textwrap.dedent("".join(lines)))
    ast.increment_lineno(tree, first_line - 1)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise SrcdiffError(f"could not find the definition of {name}", Loc(file, first_line))
    parsed = ParsedFunction(fn, node, file, namespace_of(fn))
    fence.check(parsed)
    parsed.node = normalize(node)
    return parsed


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
