"""Deterministic, readable names for generated code.

Names come from the user's names: the second SSA version of ``x`` is ``x_1``, the
adjoint of ``x`` is ``d_x``, a temporary is named after its operation (``sin``,
``mul``). The same function and types always give the same names.
"""

from __future__ import annotations

import builtins
import keyword
import re

from . import runtime

RUNTIME_HELPERS = {name for name, value in vars(runtime).items() if callable(value) and name[0] != "_"}
RESERVED = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"math", "np", "numpy"} | RUNTIME_HELPERS


class Namer:
    """Hands out unique names; `fresh("x")` gives ``x``, then ``x_1``, ``x_2``, ..."""

    def __init__(self, reserved=()):
        self.taken = set(RESERVED) | set(reserved)
        self.counters: dict[str, int] = {}
        self.hints: dict[str, str] = {}  # name handed out → the name it was made from (x_2 → x)

    def claim(self, name: str) -> str:
        """Take `name` exactly (a parameter name); it must be free."""
        self.taken.add(name)
        return name

    def fresh(self, hint: str) -> str:
        base = sanitize(hint)
        name = self.unique(base)
        self.hints[name] = hint
        return name

    def unique(self, base: str) -> str:
        if base not in self.taken:
            self.taken.add(base)
            return base
        n = self.counters.get(base, 0)
        while True:
            n += 1
            candidate = f"{base}_{n}"
            if candidate not in self.taken:
                self.counters[base] = n
                self.taken.add(candidate)
                return candidate

    def release(self, name: str) -> None:
        """Give back a name that was handed out but is no longer used (a renamed temporary)."""
        self.taken.discard(name)
        base, _, number = name.rpartition("_")
        if number.isdigit() and self.counters.get(base) == int(number):
            self.counters[base] = int(number) - 1


def sanitize(hint: str) -> str:
    name = re.sub(r"\W", "_", hint) or "t"
    return name if not name[0].isdigit() else f"t{name}"


def adjoint_name(name: str) -> str:
    return f"d_{name}"
