"""Errors that reach users, and source locations that every IR node carries.

Every stage raises `SrcdiffError` with a `Loc` pointing at the user's code, so a
message always reads ``file:line: what is wrong``.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path


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


class NumbaRejected(SrcdiffError):
    """numba could not compile the generated code; ``backend="python"`` can still run it.

    `problem` is the message without the advice, for the warning `fallback=True` gives.
    """

    ADVICE = 'backend="python" runs the same code uncompiled; fallback=True does that, with a warning'

    def __init__(self, problem: str, loc: Loc | None = None):
        self.problem = problem
        super().__init__(f"{problem}. {self.ADVICE}", loc)


class SrcdiffWarning(UserWarning):
    """Something srcdiff worked around: a fallback to uncompiled code, an unwritable cache."""


def warn(message: str, loc: Loc | None = None) -> None:
    """Warn with `SrcdiffWarning`, attributed to the first caller outside srcdiff."""
    package = str(Path(__file__).parent) + os.sep
    frame, level = sys._getframe(0), 1  # stacklevel=1 is this function
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(f"{loc}: {message}" if loc else message, SrcdiffWarning, stacklevel=level)


class NoSource(SrcdiffError):
    """A function whose source srcdiff cannot read (a builtin, a lambda, exec-made code)."""


def unsupported(construct: str, loc: Loc | None, hint: str = "") -> SrcdiffError:
    """The error for a construct outside the supported subset."""
    message = f"{construct} is not supported by srcdiff"
    return SrcdiffError(f"{message}; {hint}" if hint else message, loc)
