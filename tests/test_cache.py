"""The disk cache survives what happens to caches: corrupt files, racing processes, no write access.

Each cross-process test runs `CHILD` in fresh interpreters on a private cache
directory and reads back the gradient and numba's cache statistics (a hit: the
machine code was loaded; a miss: it was compiled).
"""

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

import srcdiff
from srcdiff import SrcdiffWarning, backend

ROOT = Path(__file__).resolve().parents[1]

FUNCTION = """
import math


def relax(a, b, x, n):
    for i in range(n):
        x = x + 0.01 * (a * math.sin(x) - b * x * x)
    return x
"""

CHILD = """
import json, os, sys, time, warnings
sys.path[:0] = [{root!r}, {module_dir!r}]
import srcdiff
from cached_function import relax

start = float(os.environ.get("START_AT", "0"))  # racing processes compile at the same moment
while time.time() < start:
    time.sleep(0.001)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    g = srcdiff.grad(relax, wrt=("a", "b"))
    grad = g(1.1, 0.7, 0.5, 50)
stats = g.last.function.stats
print(json.dumps({{
    "grad": grad,
    "hits": sum(stats.cache_hits.values()),
    "misses": sum(stats.cache_misses.values()),
    "warnings": [str(w.message) for w in caught],
}}))
"""

ARGS = (1.1, 0.7, 0.5, 50)


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("user_code")
    (directory / "cached_function.py").write_text(FUNCTION)
    return directory


@pytest.fixture(scope="module")
def expected(module_dir) -> tuple:
    sys.path.insert(0, str(module_dir))
    try:
        from cached_function import relax
    finally:
        sys.path.remove(str(module_dir))
    return srcdiff.grad(relax, wrt=("a", "b"), backend="python")(*ARGS)


def start(cache: Path, module_dir: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), module_dir=str(module_dir))],
        env={**os.environ, "SRCDIFF_CACHE_DIR": str(cache), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return json.loads(out)


def run(cache: Path, module_dir: Path) -> dict:
    return finish(start(cache, module_dir))


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory, module_dir) -> Path:
    """A cache directory holding the generated module and numba's compiled code for it."""
    cache = tmp_path_factory.mktemp("warm") / "cache"
    first = run(cache, module_dir)
    assert (first["hits"], first["misses"]) == (0, 1)
    assert (run(cache, module_dir)["hits"]) == 1
    return cache


def copy_of(cache: Path, tmp_path: Path) -> Path:
    """A copy keeping mtimes, which numba's index checks against the generated file."""
    return Path(shutil.copytree(cache, tmp_path / "cache"))


CORRUPTIONS = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "garbage": lambda data: b"\x00\xff not a pickle \x80\x04" * 8,
}


def corrupt(files: list, how: str) -> None:
    assert files, "nothing to corrupt: where did the cache files go?"
    for file in files:
        file.write_bytes(CORRUPTIONS[how](file.read_bytes()))


@pytest.mark.parametrize(
    "kind, how",
    [
        ("generated module", "truncated"),
        ("generated module", "garbage"),
        ("numba index", "truncated"),
        ("numba index", "empty"),
        ("numba data", "truncated"),
        ("numba data", "garbage"),
    ],
)
def test_corrupt_cache_file_is_recompiled(kind, how, warm_cache, module_dir, expected, tmp_path):
    cache = copy_of(warm_cache, tmp_path)
    pattern = {"generated module": "relax_*.py", "numba index": "**/*.nbi", "numba data": "**/*.nbc"}[kind]
    generated = {path: path.read_text() for path in cache.glob("relax_*.py")}
    corrupt(list(cache.glob(pattern)), how)

    after = run(cache, module_dir)
    assert after["grad"] == pytest.approx(expected, rel=1e-12)
    if kind != "generated module":  # restored byte for byte, the module may reuse numba's code
        assert (after["hits"], after["misses"]) == (0, 1)  # compiled again, not loaded from broken files
    assert after["warnings"] == []
    assert {path: path.read_text() for path in cache.glob("relax_*.py")} == generated  # restored
    assert run(cache, module_dir)["hits"] == 1  # and cached again for the next process


def test_processes_compiling_the_same_gradient_at_once(module_dir, expected, tmp_path):
    cache = tmp_path / "cache"  # fresh: every process finds nothing and writes
    go = str(time.time() + 4.0)  # after every interpreter has imported numba
    results = [finish(p) for p in [start(cache, module_dir, START_AT=go) for _ in range(3)]]
    for result in results:
        assert result["grad"] == pytest.approx(expected, rel=1e-12)
        assert result["warnings"] == []
    assert len(list(cache.glob("relax_*.py"))) == 1
    assert not [p.name for p in cache.iterdir() if p.suffix == ".tmp"]  # no half-written files left
    after = run(cache, module_dir)  # the racing writes left a consistent cache
    assert (after["hits"], after["misses"]) == (1, 0)


# ---------------------------------------------------------------- a cache directory srcdiff cannot write


def cube(x):
    return x * x * x


def square(x):
    return x * x


@pytest.fixture
def fresh_process_state(monkeypatch):
    """Forget, for this test, which unwritable directories this process already warned about."""
    monkeypatch.setattr(backend, "_STAND_INS", {})


def check_works_uncached(cache: Path) -> None:
    """Gradients work on both backends, numba compiles, and one warning names the directory."""
    with pytest.warns(SrcdiffWarning) as record:
        assert srcdiff.grad(cube)(2.0) == 12.0
        assert srcdiff.grad(square, backend="python")(3.0) == 6.0
        g = srcdiff.grad(square)
        assert g(4.0) == 8.0
    assert len(record) == 1, [str(w.message) for w in record]
    message = str(record[0].message)
    assert str(cache) in message and "SRCDIFF_CACHE_DIR" in message
    assert Path(record[0].filename).resolve() == Path(__file__).resolve()  # the user's call, not srcdiff
    assert hasattr(g.last.function, "signatures")  # still a numba dispatcher
    stand_in = Path(g.last.function.py_func.__code__.co_filename).parent
    assert stand_in != cache and stand_in.exists()


def test_cache_path_that_cannot_be_a_directory(tmp_path, monkeypatch, fresh_process_state):
    """Works as root too: a cache 'directory' below a regular file can never be created."""
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    cache = blocker / "cache"
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(cache))
    check_works_uncached(cache)


def test_read_only_cache_directory(tmp_path, monkeypatch, fresh_process_state):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        try:
            (cache / "probe").write_text("")
        except PermissionError:
            pass
        else:
            pytest.skip("this user (root?) can write to a read-only directory: chmod cannot make one")
        monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(cache))
        check_works_uncached(cache)
        assert list(cache.iterdir()) == []
    finally:
        cache.chmod(0o755)


def test_unwritable_cache_warns_once_per_process(tmp_path, monkeypatch, fresh_process_state):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(SrcdiffWarning):
        srcdiff.grad(cube, backend="python")(2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert srcdiff.grad(cube, backend="python")(3.0) == 27.0  # a new gradient, no second warning


def test_failing_write_falls_back_to_uncached(tmp_path, monkeypatch, fresh_process_state):
    """The directory is writable, but writing this module fails (a full disk, say)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(cache))
    real = backend.publish

    def disk_full(path, text):
        if path.parent == cache:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(backend, "publish", disk_full)
    with pytest.warns(SrcdiffWarning, match="No space left on device"):
        assert srcdiff.grad(cube)(2.0) == 12.0


def test_stand_in_directory_is_removed_at_exit(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import warnings; warnings.simplefilter('ignore')\n"
        "import srcdiff, test_cache\n"
        "g = srcdiff.grad(test_cache.cube, backend='python')\n"
        "assert g(2.0) == 12.0\n"
        "print(g.last.python.__code__.co_filename)\n"
    )
    env = {**os.environ, "SRCDIFF_CACHE_DIR": str(blocker / "cache")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    generated = Path(out.stdout.strip())
    assert generated.name.startswith("cube_value_and_grad_")
    assert not generated.parent.exists()


# ---------------------------------------------------------------- writing generated modules


def generated_module(source: str = "def f_value_and_grad(x):\n    return (x, (1.0,))\n"):
    from srcdiff.codegen import Module

    return Module(source, "f_value_and_grad", {}, {})


def test_write_module_leaves_a_correct_file_alone(tmp_path):
    module = generated_module()
    path = backend.write_module(module, tmp_path)
    os.utime(path, (1_000_000_000, 1_000_000_000))  # numba's index records this mtime
    assert backend.write_module(module, tmp_path) == path
    assert path.stat().st_mtime == 1_000_000_000
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_write_module_replaces_a_file_with_other_text(tmp_path):
    module = generated_module()
    path = backend.write_module(module, tmp_path)
    path.write_bytes(b"\xff\xfe not utf-8")
    assert backend.write_module(module, tmp_path) == path
    assert path.read_text() == module.source


# ---------------------------------------------------------------- numba failing on other things than the code


def test_numba_with_nowhere_to_cache_compiles_uncached(monkeypatch):
    real = backend.new_dispatcher

    def no_cache_location(fn, cache):
        if cache:
            raise RuntimeError("cannot cache function: no locator available for file")
        return real(fn, cache)

    monkeypatch.setattr(backend, "new_dispatcher", no_cache_location)
    g = srcdiff.grad(cube)
    assert g(2.0) == 12.0
    assert hasattr(g.last.function, "signatures")  # numba-compiled all the same


def test_numba_crashing_becomes_a_srcdiff_error_or_a_fallback(monkeypatch):
    def crash(fn, cache):
        raise KeyError("something inside numba")

    monkeypatch.setattr(backend, "new_dispatcher", crash)
    with pytest.raises(srcdiff.SrcdiffError, match="numba failed on the generated code .*KeyError") as info:
        srcdiff.grad(square)(2.0)
    assert info.value.loc.line == square.__code__.co_firstlineno  # the user's function, at least
    with pytest.warns(SrcdiffWarning, match="KeyError"):
        assert srcdiff.grad(square, fallback=True)(2.0) == 4.0
