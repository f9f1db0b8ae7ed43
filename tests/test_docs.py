"""The stage listings in docs/how_it_works.md are what the pipeline prints today."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "how_it_works.md"
COMMAND = ["show", "docs/example.py:loss", "--wrt", "w", "--types", "float,float,int", "--stages"]
MARKER = re.compile(r"<!-- stage:(\w+) -->\n(```text\n.*?```\n)?", re.S)


def current_stages() -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "srcdiff", *COMMAND], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    stages = {}
    for chunk in out.split("# ---- after ")[1:]:
        head, _, text = chunk.partition("\n")
        text = text.replace(str(ROOT) + "/", "")
        stages[head.split()[0]] = text.strip()
    return stages


def render(doc: str, stages: dict) -> str:
    return MARKER.sub(lambda m: f"<!-- stage:{m[1]} -->\n```text\n{stages[m[1]]}\n```\n", doc)


def test_how_it_works_listings_are_current(request):
    doc = DOC.read_text()
    expected = render(doc, current_stages())
    if request.config.getoption("--update-golden"):
        DOC.write_text(expected)
        doc = expected
    assert doc == expected, "docs/how_it_works.md is stale: run pytest tests/test_docs.py --update-golden"
