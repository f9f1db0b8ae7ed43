"""Backend: generated source → a callable, through numba or plain Python.

Both backends run the same file. The generated module is written to the cache
directory under a name keyed by a hash of its source, the source of the user
functions it calls, and the srcdiff and numba versions; numba compiles it with
``cache=True``, so a second process loads the machine code instead of compiling.
``SRCDIFF_CACHE_DIR`` overrides the directory (default: ``$XDG_CACHE_HOME/srcdiff``,
else ``~/.cache/srcdiff``).

The cache is never trusted: a generated file whose text is not the expected source
is rewritten, numba cache files numba cannot read are deleted and the code compiled
again, files appear atomically (two processes may compile the same gradient at
once), and an unwritable directory is replaced by a temporary one, with one warning.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import inspect
import os
import re
import shutil
import sys
import tempfile
import types
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import __version__
from .codegen import Module
from .errors import Loc, NumbaRejected, SrcdiffError, warn
from .infer import BOOL, FLOAT, INT

BACKENDS = ("numba", "python")


def load(
    module: Module, backend: str, param_types: list, *, fallback: bool = False, loc: Loc | None = None
) -> tuple[Callable, Callable]:
    """(function for `backend`, plain-Python function) of the generated module.

    If numba rejects the code, raise `NumbaRejected`, or with `fallback` warn and
    return the plain-Python function for both. `loc` is the user's function, for
    errors numba reports at no generated line.
    """
    if backend not in BACKENDS:
        raise SrcdiffError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    directory, cached = module_directory()
    try:
        path = write_module(module, directory)
    except OSError as e:  # a full disk, a quota: the directory passed the probe but this write failed
        directory, cached = stand_in_for(directory, describe(e)), False
        path = write_module(module, directory)
    python_externals = {k: python_version_of(f) for k, f in module.externals.items()}
    python_fn = import_entry(path, module, python_externals, f"srcdiff_generated.{path.stem}_py")
    if backend == "python":
        return python_fn, python_fn
    try:
        numba_externals = {k: jitted(f) for k, f in module.externals.items()}
        numba_fn = import_entry(path, module, numba_externals, f"srcdiff_generated.{path.stem}")
        return compile_numba(numba_fn, param_types, path, module, cached, loc), python_fn
    except NumbaRejected as e:
        if not fallback:
            raise
        warn(f"{e.problem}; running it uncompiled (backend='python'), as fallback=True allows", e.loc)
        return python_fn, python_fn


# ---------------------------------------------------------------- the cache directory


def cache_dir() -> Path:
    """Where generated modules (and numba's cache beside them) live."""
    if os.environ.get("SRCDIFF_CACHE_DIR"):
        return Path(os.environ["SRCDIFF_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "srcdiff"


_STAND_INS: dict = {}  # an unwritable cache directory → this process's temporary one


def module_directory() -> tuple[Path, bool]:
    """Where to write generated modules, and whether numba may cache its code there.

    If the cache directory cannot be written, warn once and use a temporary
    directory that is deleted at exit: everything works, but nothing is cached.
    """
    directory = cache_dir()
    if directory in _STAND_INS:
        return _STAND_INS[directory], False
    problem = unwritable(directory)
    if problem is None:
        return directory, True
    return stand_in_for(directory, problem), False


def stand_in_for(directory: Path, problem: str) -> Path:
    """A temporary directory, deleted at exit, used instead of `directory`; warn once."""
    if directory not in _STAND_INS:
        stand_in = Path(tempfile.mkdtemp(prefix="srcdiff-uncached-"))
        atexit.register(shutil.rmtree, stand_in, ignore_errors=True)
        _STAND_INS[directory] = stand_in
        warn(
            f"cannot write to the srcdiff cache directory {directory} ({problem}); gradients work but "
            "are compiled again in every process. Set SRCDIFF_CACHE_DIR to a writable directory"
        )
    return _STAND_INS[directory]


def unwritable(directory: Path) -> str | None:
    """Why files cannot be created in `directory` (made if missing), or None if they can."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as e:
        return describe(e)
    return None


def describe(error: OSError) -> str:
    return f"{type(error).__name__}: {error.strerror or error}"


def module_key(module: Module) -> str:
    """A content hash: the same generated code and callees map to the same file."""
    digest = hashlib.sha256(module.source.encode())
    digest.update(__version__.encode())
    digest.update(numba_version().encode())
    for name, fn in sorted(module.externals.items()):
        digest.update(name.encode())
        digest.update(source_of(fn).encode())
    return digest.hexdigest()[:20]


def write_module(module: Module, directory: Path) -> Path:
    """The module's file in `directory`, written unless it already holds exactly this source."""
    path = directory / f"{module.entry}_{module_key(module)}.py"
    if read_text(path) != module.source:  # missing, or truncated or corrupted on disk
        publish(path, module.source)
    return path


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def publish(path: Path, text: str) -> None:
    """Make `path` hold `text` atomically: readers see the old file or the whole new one.

    A missing file is created by hard link, so that of two processes writing at
    once the first wins and the file's mtime, which older numba versions record in
    their cache index, never changes after numba has compiled it. A corrupt file
    is replaced.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        if path.exists():
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process published it first
        except OSError:  # a file system without hard links
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def import_entry(path: Path, module: Module, externals: dict, name: str) -> Callable:
    """Execute the generated source as module `name`, with `externals` bound in it.

    The code is compiled from `module.source` (already checked against the file)
    with the file's name, so tracebacks and numba's cache refer to the file. The
    module is registered in `sys.modules`: numba's cache records the module name
    of a compiled function and imports it again when a later process loads the cache.
    """
    mod = sys.modules.get(name)
    if mod is None:
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        mod.__dict__.update(externals)
        exec(compile(module.source, str(path), "exec"), mod.__dict__)
        sys.modules[name] = mod
    return getattr(mod, module.entry)


# ---------------------------------------------------------------- numba


def compile_numba(
    fn: Callable, param_types: list, path: Path, module: Module, cache: bool, loc: Loc | None
) -> Callable:
    """A numba dispatcher for `fn`, compiled for `param_types` or loaded from numba's cache.

    Other than a NumbaError, numba raises what unpickling raises on a truncated or
    corrupt cache file, or a RuntimeError when it finds nowhere to write one. Then
    the module's cache files are deleted and it compiles again; if that fails too,
    it compiles without its cache.
    """
    from numba.core.errors import NumbaError

    signature = numba_signature(param_types)
    failure: Exception | None = None
    for attempt, use_cache in enumerate([True, True, False] if cache else [False]):
        dispatcher = None
        try:
            dispatcher = new_dispatcher(fn, use_cache)
            dispatcher.compile(signature)
            return dispatcher
        except NumbaError as e:
            raise numba_rejected(str(e), path, module, loc) from None
        except Exception as e:  # anything else numba raises becomes a SrcdiffError too
            failure = e
            if attempt == 0:
                forget_numba_cache(dispatcher, path)
    raise NumbaRejected(
        f"numba failed on the generated code ({path}): {type(failure).__name__}: {failure}", loc
    ) from failure


def new_dispatcher(fn: Callable, cache: bool) -> Callable:
    import numba

    return numba.njit(cache=cache)(fn)


def numba_signature(param_types: list) -> tuple:
    import numba

    scalars = {FLOAT: numba.float64, INT: numba.int64, BOOL: numba.boolean}
    return tuple(
        scalars[t] if t in scalars else numba.types.Array(numba.from_dtype(np.dtype(t.dtype)), t.ndim, "C")
        for t in param_types
    )


def forget_numba_cache(dispatcher, path: Path) -> None:
    """Delete numba's cache files (index and data) for the module at `path`."""
    cache = getattr(dispatcher, "_cache", None)
    directory = Path(getattr(cache, "cache_path", None) or path.parent / "__pycache__")
    stale = [*directory.glob(f"{path.stem}.*.nbi"), *directory.glob(f"{path.stem}.*.nbc")]
    for file in stale:
        with contextlib.suppress(FileNotFoundError):
            file.unlink()


def numba_rejected(message: str, path: Path, module: Module, loc: Loc | None) -> NumbaRejected:
    """Name the generated line numba rejected and the user's line it came from."""
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)  # numba's terminal colours
    message = re.sub(r"Module\(<module '([\w.]+)'[^>]*>\)", r"module \1", message)
    found = re.findall(r'File "([^"]+)", line (\d+)', message)
    lines = [int(n) for f, n in found if Path(f).resolve() == path.resolve()]
    reason = next(
        (s.strip() for s in message.splitlines() if s.strip() and not s.startswith("Failed in")), ""
    )
    if not lines:
        return NumbaRejected(f"numba cannot compile the generated code ({path}): {reason}", loc)
    code = module.source.splitlines()[lines[-1] - 1].strip()
    return NumbaRejected(
        f"numba cannot compile `{code}` (line {lines[-1]} of {path}): {reason}",
        module.locs.get(lines[-1], loc),
    )


def numba_version() -> str:
    try:
        import numba

        return numba.__version__
    except ImportError:  # pragma: no cover - numba is a dependency
        return "none"


_JITTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def jitted(fn: Callable) -> Callable:
    """A numba dispatcher for a user function the generated code calls.

    Anything else (a dispatcher already, a ufunc, a builtin) is bound as it is:
    numba types it or rejects the generated code.
    """
    import numba

    if not inspect.isfunction(fn):
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
