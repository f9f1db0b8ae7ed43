"""docs/supported.md shows what srcdiff does today: its examples run, and its errors are the real ones.

Each example in the page is a ``python`` block after a marker comment:

* ``<!-- works -->``: runs without error (it calls `check_grads` to prove the gradient);
* ``<!-- error -->``: raises `SrcdiffError`, and the ``text`` block after it is the message;
* ``<!-- in-progress -->``: still raises `SrcdiffError`; when it starts working, move it to the do list.

An example runs as the file ``example.py`` with ``math``, ``np`` and ``srcdiff`` imported,
so a message's ``file:line`` reads ``example.py:<line in the block>``. Refresh the messages
with ``pytest tests/test_supported_doc.py --update-golden``.
"""

import importlib.util
import math
import re
import warnings
from pathlib import Path

import numpy as np

import srcdiff

DOC = Path(__file__).resolve().parents[1] / "docs" / "supported.md"
EXAMPLE = re.compile(r"<!-- (works|error|in-progress) -->\n```python\n(.*?)```\n(```text\n.*?```\n)?", re.S)
GENERATED_FILE = re.compile(r"\S*/(\w+_value_and_grad)_[0-9a-f]{20}\.py")


def run(code: str, directory: Path) -> str | None:
    """Run an example as ``example.py``; its SrcdiffError's message, tidied, or None if it ran."""
    directory.mkdir()
    path = directory / "example.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(f"srcdiff_doc_{directory.name}", path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(math=math, np=np, srcdiff=srcdiff)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", srcdiff.SrcdiffWarning)  # the fallback example warns
            spec.loader.exec_module(module)
    except srcdiff.SrcdiffError as e:
        message = str(e).replace(str(path), "example.py")
        return GENERATED_FILE.sub(r"<cache>/\1_<hash>.py", message)
    return None


def refreshed(doc: str, tmp_path: Path, problems: list) -> str:
    """The page with every error block rewritten to the message the example gives now."""

    def check(match: re.Match) -> str:
        kind, code = match[1], match[2]
        where = f"the example at docs/supported.md:{doc.count(chr(10), 0, match.start()) + 1}"
        message = run(code, tmp_path / f"example_{match.start()}")
        if kind == "works" and message is not None:
            problems.append(f"{where} should work but raises: {message}")
        if kind == "in-progress" and message is None:
            problems.append(f"{where} works now: move it to the do list")
        if kind != "error":
            return match[0]
        if message is None:
            problems.append(f"{where} raises no error")
            return match[0]
        return f"<!-- error -->\n```python\n{code}```\n```text\n{message}\n```\n"

    return EXAMPLE.sub(check, doc)


def test_supported_page_examples_run_and_show_the_real_errors(request, tmp_path):
    doc = DOC.read_text()
    problems: list = []
    expected = refreshed(doc, tmp_path, problems)
    assert EXAMPLE.findall(doc), "no examples found: did the markers change?"
    assert not problems, "\n".join(problems)
    if request.config.getoption("--update-golden"):
        DOC.write_text(expected)
        doc = expected
    assert doc == expected, "stale errors in supported.md: pytest tests/test_supported_doc.py --update-golden"
