"""A corpus of functions to differentiate, each with the inputs to check it at.

Each corpus module (``scalar.py``, ``control_flow.py``; ``arrays.py`` later)
defines plain functions in a real ``.py`` file (srcdiff reads their source) and
registers them with the `case` decorator::

    @case(1.5, -0.25)
    def add(x, y):
        return x + y

Stack several ``@case(...)`` decorators (with distinct ``label=``) to check one
function at several points. `all_cases` imports every module of this package
and returns every registered `Case`, so a new corpus module is picked up by the
tests without further wiring.

Inputs are fixed literals, chosen away from kinks, discontinuities and domain
edges. Arguments may be anything srcdiff accepts: floats and ints now, NumPy
arrays later (`Case.fresh_args` copies arrays so a function that writes into an
argument cannot spoil the next check).
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

BACKENDS = ("python", "numba")
CHECKS = ("check_grads", "value_and_grad")  # what tests do with a case
RECORDS = ("needed", "all")  # srcdiff's record modes: every case is checked in both


def is_differentiable_arg(value: Any) -> bool:
    """Whether an argument is differentiated by default: a float scalar or a float array."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


@dataclass(frozen=True)
class Case:
    """One function and the point at which to check its gradient."""

    fn: Callable
    args: tuple
    wrt: tuple[int, ...] | None = None  # None: every float (scalar or array) argument
    rtol: float = 1e-5
    atol: float = 1e-7
    h: float = 1e-6  # finite-difference step for check_grads
    label: str = ""  # tells apart several cases of the same function
    group: str = ""  # the corpus module the case comes from ("scalar", ...)
    # A known srcdiff bug: the checks named in `bug_checks` are marked
    # xfail(strict=True) with this reason on the backends in `bug_backends`, in the
    # record modes in `bug_records`. On the backends in `bug_skip` the bug can hang or
    # crash the test process (or pass by reading memory it does not own), so there the
    # checks are marked xfail without being run.
    bug: str = ""
    bug_backends: tuple[str, ...] = BACKENDS
    bug_checks: tuple[str, ...] = CHECKS
    bug_records: tuple[str, ...] = RECORDS
    bug_skip: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def id(self) -> str:
        """A unique test id: ``group.name`` or ``group.name[label]``."""
        base = f"{self.group}.{self.name}" if self.group else self.name
        return f"{base}[{self.label}]" if self.label else base

    @property
    def wrt_indices(self) -> tuple[int, ...]:
        if self.wrt is not None:
            return tuple(self.wrt)
        return tuple(i for i, a in enumerate(self.args) if is_differentiable_arg(a))

    def fresh_args(self) -> tuple:
        """The arguments, with mutable ones (arrays) copied."""
        return tuple(copy.deepcopy(a) if isinstance(a, np.ndarray) else a for a in self.args)

    def bug_on(self, backend: str, check: str, record: str = "needed") -> str | None:
        """The known-bug reason if `check` of this case is expected to fail on `backend` in `record` mode."""
        if (
            self.bug
            and backend in self.bug_backends
            and check in self.bug_checks
            and record in self.bug_records
        ):
            return self.bug
        return None


CASES: list[Case] = []


def case(
    *args: Any,
    wrt: tuple[int, ...] | None = None,
    **options: Any,
) -> Callable[[Callable], Callable]:
    """Decorator: register `fn` to be checked at `args`. Returns `fn` unchanged."""

    def register(fn: Callable) -> Callable:
        add(fn, *args, wrt=wrt, **options)
        return fn

    return register


def add(fn: Callable, *args: Any, wrt: tuple[int, ...] | None = None, **options: Any) -> Case:
    """Register `fn` (e.g. a closure made by a factory) to be checked at `args`."""
    module = getattr(fn, "__module__", "") or ""
    options.setdefault("group", module.rsplit(".", 1)[-1])
    new = Case(fn, tuple(args), None if wrt is None else tuple(wrt), **options)
    CASES.append(new)
    return new


def load_modules() -> list[str]:
    """Import every corpus module in this package; return their names."""
    names = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
            names.append(info.name)
    return names


def all_cases(group: str | None = None) -> list[Case]:
    """Every registered case (of one corpus module if `group` is given), ids checked unique."""
    load_modules()
    seen: dict[str, Case] = {}
    for c in CASES:
        if c.id in seen:
            raise ValueError(f"duplicate corpus case id {c.id!r}: give one of them a label=")
        seen[c.id] = c
    return [c for c in CASES if group is None or c.group == group]
