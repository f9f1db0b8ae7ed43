"""Backend: generated source → a callable, through numba or plain Python.

Both backends run the same file. The generated module is written to the cache
directory under a name keyed by a hash of its source, the source of the user
functions it calls, and the srcdiff and numba versions; numba compiles it with
``cache=True``, so a second process loads the machine code instead of compiling.
``SRCDIFF_CACHE_DIR`` overrides the directory (default: ``$XDG_CACHE_HOME/srcdiff``,
else ``~/.cache/srcdiff``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import re
import sys
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import __version__
from .codegen import Module
from .errors import SrcdiffError
from .infer import BOOL, FLOAT, INT

BACKENDS = ("numba", "python")


def cache_dir() -> Path:
    """Where generated modules (and numba's cache beside them) live."""
    if os.environ.get("SRCDIFF_CACHE_DIR"):
        return Path(os.environ["SRCDIFF_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "srcdiff"


def module_key(module: Module) -> str:
    """A content hash: the same generated code and callees map to the same file."""
    digest = hashlib.sha256(module.source.encode())
    digest.update(__version__.encode())
    digest.update(numba_version().encode())
    for name, fn in sorted(module.externals.items()):
        digest.update(name.encode())
        digest.update(source_of(fn).encode())
    return digest.hexdigest()[:20]


def write_module(module: Module) -> Path:
    """Write the module once under its content hash; return its path."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module.entry}_{module_key(module)}.py"
    if not path.exists():  # rewriting would change the mtime and invalidate numba's cache
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(module.source)
        os.replace(tmp, path)
    return path


def load(module: Module, backend: str, param_types: list) -> tuple[Callable, Callable]:
    """(function for `backend`, plain-Python function) of the generated module."""
    if backend not in BACKENDS:
        raise SrcdiffError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    path = write_module(module)
    python_externals = {k: python_version_of(f) for k, f in module.externals.items()}
    python_fn = import_entry(path, module, python_externals, f"srcdiff_generated.{path.stem}_py")
    if backend == "python":
        return python_fn, python_fn
    numba_externals = {k: jitted(f) for k, f in module.externals.items()}
    numba_fn = import_entry(path, module, numba_externals, f"srcdiff_generated.{path.stem}")
    return compile_numba(numba_fn, param_types, path, module), python_fn


def import_entry(path: Path, module: Module, externals: dict, name: str) -> Callable:
    """Execute the generated file as module `name`, with `externals` bound in it.

    The module is registered in `sys.modules`: numba's cache records the module name
    of a compiled function and imports it again when a later process loads the cache.
    """
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        mod.__dict__.update(externals)
        spec.loader.exec_module(mod)
        sys.modules[name] = mod
    return getattr(mod, module.entry)


def compile_numba(fn: Callable, param_types: list, path: Path, module: Module) -> Callable:
    import numba
    from numba.core.errors import NumbaError

    dispatcher = numba.njit(cache=True)(fn)
    scalars = {FLOAT: numba.float64, INT: numba.int64, BOOL: numba.boolean}
    signature = tuple(
        scalars[t] if t in scalars else numba.types.Array(numba.from_dtype(np.dtype(t.dtype)), t.ndim, "C")
        for t in param_types
    )
    try:
        dispatcher.compile(signature)
    except NumbaError as e:
        raise numba_error(str(e), path, module) from None
    return dispatcher


def numba_error(message: str, path: Path, module: Module) -> SrcdiffError:
    """Name the generated line numba rejected and the user's line it came from."""
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)  # numba's terminal colours
    found = re.findall(r'File "([^"]+)", line (\d+)', message)
    lines = [int(n) for f, n in found if Path(f).resolve() == path.resolve()]
    reason = next(
        (s.strip() for s in message.splitlines() if s.strip() and not s.startswith("Failed in")), ""
    )
    if not lines:
        return SrcdiffError(
            f"numba could not compile the generated code ({path}): {reason}. "
            'backend="python" runs the same code uncompiled'
        )
    code = module.source.splitlines()[lines[-1] - 1].strip()
    return SrcdiffError(
        f"numba cannot compile `{code}` (line {lines[-1]} of {path}): {reason}. "
        'backend="python" runs the same code uncompiled',
        module.locs.get(lines[-1]),
    )


def numba_version() -> str:
    try:
        import numba

        return numba.__version__
    except ImportError:  # pragma: no cover - numba is a dependency
        return "none"


_JITTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def jitted(fn: Callable) -> Callable:
    """A numba dispatcher for a user function the generated code calls."""
    import numba
    from numba.core.registry import CPUDispatcher

    if isinstance(fn, CPUDispatcher):
        return fn
    if fn not in _JITTED:
        _JITTED[fn] = numba.njit(fn)
    return _JITTED[fn]


def python_version_of(fn: Callable) -> Callable:
    return getattr(fn, "py_func", fn)


def source_of(fn: Callable) -> str:
    try:
        return inspect.getsource(python_version_of(fn))
    except (OSError, TypeError):
        return repr(fn)
