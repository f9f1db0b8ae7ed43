"""Errors that reach users, and source locations that every IR node carries.

Every stage raises `SrcdiffError` with a `Loc` pointing at the user's code, so a
message always reads ``file:line: what is wrong``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in the user's source: file, 1-based line, 0-based column."""

    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class SrcdiffError(Exception):
    """An input srcdiff cannot differentiate, or a call it cannot serve.

    The message names the construct and, where one is known, the user's
    ``file:line``.
    """

    def __init__(self, message: str, loc: Loc | None = None):
        self.message = message
        self.loc = loc
        super().__init__(f"{loc}: {message}" if loc else message)


class NoSource(SrcdiffError):
    """A function whose source srcdiff cannot read (a builtin, a lambda, exec-made code)."""


def unsupported(construct: str, loc: Loc | None, hint: str = "") -> SrcdiffError:
    """The error for a construct outside the supported subset."""
    message = f"{construct} is not supported by srcdiff"
    return SrcdiffError(f"{message}; {hint}" if hint else message, loc)
