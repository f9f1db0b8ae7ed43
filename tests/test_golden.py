"""Golden tests: the generated source of a few functions, byte for byte.

Refresh with ``pytest tests/test_golden.py --update-golden`` and review the diff.
"""

from pathlib import Path

import pytest

import srcdiff

from . import golden_functions as g

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "seed_product": (g.seed_product, (0, 1, 2)),
    "neuron": (g.neuron, (0, 1, 2, 3, 4)),
    "reuse": (g.reuse, 0),
    "calls_and_constants": (g.calls_and_constants, ("x", "y")),
    "for_loop": (g.for_loop, ("a", "b")),
    "while_loop": (g.while_loop, 0),
    "if_in_loop": (g.if_in_loop, 0),
}
TYPES = {"for_loop": ("float", "float", "float", "int"), "if_in_loop": ("float", "int")}


def generated(name: str) -> str:
    fn, wrt = CASES[name]
    gradient = srcdiff.grad(fn, wrt=wrt, backend="python")
    types = [srcdiff.infer.Scalar(t) for t in TYPES[name]] if name in TYPES else gradient.default_types()
    source = gradient.specialize(types).source
    return source.replace(str(Path(g.__file__)), "golden_functions.py")


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden(name, request):
    path = GOLDEN / f"{name}.py"
    text = generated(name)
    if request.config.getoption("--update-golden"):
        path.write_text(text)
    assert path.exists(), f"no golden file {path}: run with --update-golden"
    assert text == path.read_text()


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_is_deterministic(name):
    assert generated(name) == generated(name)
