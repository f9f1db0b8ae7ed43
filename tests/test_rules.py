"""Every built-in derivative rule, checked on its own and through `srcdiff.grad`.

For each primal of `srcdiff.rules.builtin_table()`:

* a rule is called directly, ``rule.fn(g, ans, *inputs)``, and each non-None
  adjoint is compared with ``g`` times a central difference of the primal;
* a one-line wrapper calling the primal is generated into a temporary module and
  differentiated with `srcdiff.grad` on both backends (srcdiff needs real source,
  so the wrappers are written to a file and imported);
* a primal without a rule (``None``: piecewise constant) must get gradient 0.

`POINTS` lists valid inputs per primal. A primal missing from it fails loudly:
a new rule needs test points here.
"""

from __future__ import annotations

import importlib.util
import math
import operator
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff import runtime
from srcdiff.rules import RuleTable, operators, scalar
from srcdiff.testing import check_grads


def primal_id(primal) -> str:
    """How the primal is spelled in source: ``math.sin``, ``np.sin``, ``operator.add``, ``abs``."""
    name = getattr(primal, "__name__", None)
    module = getattr(primal, "__module__", None)
    if isinstance(primal, np.ufunc) or (module or "").startswith("numpy"):
        if getattr(np, name, None) is primal:
            return f"np.{name}"
    elif module == "math" and getattr(math, name, None) is primal:
        return f"math.{name}"
    elif module in ("_operator", "operator") and getattr(operator, name, None) is primal:
        return f"operator.{name}"
    elif module == "builtins":
        return name
    raise AssertionError(f"test_rules.primal_id: don't know how to spell {primal!r} in source; extend it")


# Scalar rules; array rules are checked on shapes in test_array_rules.py. Structural
# primitives (shapes, identity tests, bit inversion of masks) have no numeric derivative.
STRUCTURAL = {runtime.dim, runtime.ndim, len, operator.invert, operator.is_, operator.is_not}
TABLE = {p: r for p, _, r in RuleTable(operators.rules, scalar.rules).items() if p not in STRUCTURAL}
PRIMALS = {primal_id(p): p for p in TABLE}
RULES = {name: TABLE[p] for name, p in PRIMALS.items()}

# ------------------------------------------------------------------ valid inputs per primal

BINARY = [(1.3, -0.7), (-0.45, 2.2)]
POSITIVE_BASE_POWER = [(1.3, 2.4), (0.7, -1.5), (2.1, 3.0)]
MOD = [(7.3, 2.1), (-7.3, 2.1), (7.3, -2.1), (0.4, 0.25)]
UNARY_ANY = [(0.7,), (-1.2,)]
ABS = [(-1.3,), (0.8,)]
MIN_MAX = [(0.4, 1.9), (1.9, 0.4), (-1.1, -0.3)]
EXP = [(0.35,), (-1.2,)]
LOG = [(1.7,), (0.3,)]
LOG1P = [(1.7,), (-0.5,)]
SQRT = [(2.3,), (0.4,)]
TRIG = [(0.9,), (-2.1,)]
TAN = [(0.45,), (-1.1,)]
UNIT_OPEN = [(0.3,), (-0.7,)]  # |x| < 1
ACOSH = [(1.9,), (3.5,)]  # x > 1
ATAN2 = [(0.6, -1.3), (-0.6, 1.3), (1.1, 0.2)]
COPYSIGN = [(-1.3, 0.8), (1.3, 0.8), (1.3, -0.8)]
NONDIFF_UNARY = [(2.7,), (-2.3,)]

POINTS: dict[str, list[tuple]] = {
    # operators and builtins
    "operator.add": BINARY,
    "operator.sub": BINARY,
    "operator.mul": BINARY,
    "operator.truediv": BINARY,
    "operator.pow": POSITIVE_BASE_POWER,
    "pow": POSITIVE_BASE_POWER,
    "np.power": POSITIVE_BASE_POWER,
    "math.pow": POSITIVE_BASE_POWER,
    "operator.mod": MOD,
    "np.remainder": MOD,
    "operator.neg": UNARY_ANY,
    "np.negative": UNARY_ANY,
    "operator.pos": UNARY_ANY,
    "float": UNARY_ANY,
    "abs": ABS,
    "np.absolute": ABS,
    "np.fabs": ABS,
    "min": MIN_MAX,
    "max": MIN_MAX,
    "np.minimum": MIN_MAX,
    "np.maximum": MIN_MAX,
    "np.fmin": MIN_MAX,
    "np.fmax": MIN_MAX,
    # exponentials and logarithms
    "math.exp": EXP,
    "np.exp": EXP,
    "np.exp2": EXP,
    "math.expm1": EXP,
    "np.expm1": EXP,
    "math.log": LOG,
    "np.log": LOG,
    "math.log1p": LOG1P,
    "np.log1p": LOG1P,
    "math.log2": LOG,
    "np.log2": LOG,
    "math.log10": LOG,
    "np.log10": LOG,
    "np.logaddexp": [(0.3, -1.1), (-2.0, 1.5)],
    # powers and roots
    "math.sqrt": SQRT,
    "np.sqrt": SQRT,
    "np.cbrt": [(2.3,), (-0.9,)],
    "np.square": [(-1.4,), (0.6,)],
    "np.reciprocal": [(-1.4,), (0.6,)],
    "math.hypot": [(1.2, -0.7), (-0.3, 0.4)],
    "np.hypot": [(1.2, -0.7), (-0.3, 0.4)],
    # trigonometric
    "math.sin": TRIG,
    "np.sin": TRIG,
    "math.cos": TRIG,
    "np.cos": TRIG,
    "math.tan": TAN,
    "np.tan": TAN,
    "math.asin": UNIT_OPEN,
    "np.arcsin": UNIT_OPEN,
    "math.acos": UNIT_OPEN,
    "np.arccos": UNIT_OPEN,
    "math.atan": [(-1.8,), (0.4,)],
    "np.arctan": [(-1.8,), (0.4,)],
    "math.atan2": ATAN2,
    "np.arctan2": ATAN2,
    "math.degrees": UNARY_ANY,
    "np.degrees": UNARY_ANY,
    "np.rad2deg": UNARY_ANY,
    "math.radians": UNARY_ANY,
    "np.radians": UNARY_ANY,
    "np.deg2rad": UNARY_ANY,
    # hyperbolic
    "math.sinh": [(0.8,), (-1.3,)],
    "np.sinh": [(0.8,), (-1.3,)],
    "math.cosh": [(0.8,), (-1.3,)],
    "np.cosh": [(0.8,), (-1.3,)],
    "math.tanh": [(0.8,), (-1.3,)],
    "np.tanh": [(0.8,), (-1.3,)],
    "math.asinh": [(0.8,), (-1.3,)],
    "np.arcsinh": [(0.8,), (-1.3,)],
    "math.acosh": ACOSH,
    "np.arccosh": ACOSH,
    "math.atanh": [(0.35,), (-0.6,)],
    "np.arctanh": [(0.35,), (-0.6,)],
    # special
    "math.erf": [(0.42,), (-1.1,)],
    "math.erfc": [(0.42,), (-1.1,)],
    "math.copysign": COPYSIGN,
    "np.copysign": COPYSIGN,
    # piecewise constant (no rule): a generic point each
    "operator.floordiv": [(7.3, 2.1)],
    "np.floor_divide": [(7.3, 2.1)],
    "operator.lt": [(0.3, 1.4)],
    "operator.le": [(0.3, 1.4)],
    "operator.gt": [(0.3, 1.4)],
    "operator.ge": [(0.3, 1.4)],
    "operator.eq": [(0.3, 1.4)],
    "operator.ne": [(0.3, 1.4)],
    "operator.not_": [(0.7,)],
    "int": NONDIFF_UNARY,
    "round": NONDIFF_UNARY,
    "bool": [(0.7,)],
    "math.floor": NONDIFF_UNARY,
    "math.ceil": NONDIFF_UNARY,
    "math.trunc": NONDIFF_UNARY,
    "np.floor": NONDIFF_UNARY,
    "np.ceil": NONDIFF_UNARY,
    "np.trunc": NONDIFF_UNARY,
    "np.rint": NONDIFF_UNARY,
    "np.round": NONDIFF_UNARY,
    "np.sign": [(-0.7,), (1.3,)],
    "math.isnan": [(0.7,)],
    "math.isinf": [(0.7,)],
    "math.isfinite": [(0.7,)],
    "np.isnan": [(0.7,)],
    "np.isinf": [(0.7,)],
    "np.isfinite": [(0.7,)],
}

# Known srcdiff bugs: (primal id, backend) → reason; the test is xfail(strict=True).
KNOWN_BUGS: dict[tuple[str, str], str] = {}

G = -0.7  # the output adjoint passed to rules: not 1, so scaling by g is checked


def points_for(name: str) -> list[tuple]:
    if name not in POINTS:
        pytest.fail(
            f"the built-in rule table has {name} but tests/test_rules.py::POINTS has no valid inputs "
            "for it: add an entry so the new rule is tested"
        )
    return POINTS[name]


def derivative(primal, inputs: tuple, index: int, h: float = 1e-4) -> float:
    """Fourth-order central difference of `primal` in input `index`."""

    def at(step: float) -> float:
        moved = list(inputs)
        moved[index] = inputs[index] + step
        return float(primal(*moved))

    return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)


def n_inputs(name: str) -> int:
    return len(points_for(name)[0])


# ------------------------------------------------------------------ the table itself


def test_table_is_not_empty():
    assert len(PRIMALS) == len(TABLE) > 50  # every primal has a distinct spelling


def test_points_have_no_stale_entries():
    stale = sorted(set(POINTS) - set(PRIMALS))
    assert not stale, f"POINTS lists primals that have no built-in rule any more: {stale}"


@pytest.mark.parametrize("name", sorted(PRIMALS))
def test_rule_has_points(name):
    points = points_for(name)
    rule = RULES[name]
    arity = len(rule.inputs) if rule is not None else len(points[0])
    assert points and all(len(p) == arity for p in points), f"POINTS[{name!r}] must hold {arity}-tuples"


# ------------------------------------------------------------------ rules called directly

DIFFERENTIABLE = sorted(name for name, rule in RULES.items() if rule is not None)
NONDIFFERENTIABLE = sorted(name for name, rule in RULES.items() if rule is None)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_rule_matches_central_difference(name):
    primal, rule = PRIMALS[name], RULES[name]
    for inputs in points_for(name):
        ans = primal(*inputs)
        adjoints = rule.fn(G, ans, *inputs)
        assert len(adjoints) == len(inputs), f"{name}: one adjoint per input"
        for index, adjoint in enumerate(adjoints):
            if adjoint is None:
                continue
            expected = G * derivative(primal, inputs, index)
            assert float(adjoint) == pytest.approx(expected, rel=1e-7, abs=1e-9), (
                f"rule {rule.fn.__name__} for {name} at {inputs}: adjoint of input {index} "
                f"is {float(adjoint)!r}, central difference gives {expected!r}"
            )


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_rule_none_outputs_are_really_constant(name):
    """An input the rule calls non-differentiable must have zero derivative at the test points."""
    primal, rule = PRIMALS[name], RULES[name]
    for inputs in points_for(name):
        for index in range(len(inputs)):
            if not rule.differentiable(index):
                assert derivative(primal, inputs, index) == pytest.approx(0.0, abs=1e-9)


# ------------------------------------------------------------------ rules through srcdiff.grad


def wrapper_name(name: str) -> str:
    return "w_" + name.replace(".", "_")


def wrapper_source() -> str:
    """One function per primal: ``def w_math_sin(x0): return math.sin(x0)``."""
    lines = ["import math", "import operator", "", "import numpy as np", ""]
    for name in sorted(PRIMALS):
        if name not in POINTS:
            continue  # test_rule_has_points reports it
        params = ", ".join(f"x{i}" for i in range(n_inputs(name)))
        call = f"{name}({params})"
        # A piecewise-constant primal may return an int or a bool: make the result a float.
        body = call if RULES[name] is not None else f"1.0 * {call}"
        lines += ["", f"def {wrapper_name(name)}({params}):", f"    return {body}", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def wrappers(tmp_path_factory):
    """The generated wrapper module, written to a temporary directory and imported."""
    path = tmp_path_factory.mktemp("rule_wrappers") / "srcdiff_rule_wrappers.py"
    path.write_text(wrapper_source())
    spec = importlib.util.spec_from_file_location("srcdiff_rule_wrappers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def expect_known_bug(request, name: str, backend: str) -> None:
    reason = KNOWN_BUGS.get((name, backend))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_rule_through_grad(name, backend, wrappers, request):
    expect_known_bug(request, name, backend)
    fn = getattr(wrappers, wrapper_name(name))
    for seed, inputs in enumerate(points_for(name)):
        check_grads(fn, inputs, backend=backend, seed=seed, rtol=1e-6)


@pytest.mark.parametrize("name", NONDIFFERENTIABLE)
def test_nondifferentiable_gradient_is_zero(name, backend, wrappers, request):
    expect_known_bug(request, name, backend)
    fn = getattr(wrappers, wrapper_name(name))
    for inputs in points_for(name):
        wrt = tuple(range(len(inputs)))
        value, grads = srcdiff.value_and_grad(fn, wrt=wrt, backend=backend)(*inputs)
        assert value == fn(*inputs)
        assert grads == (0.0,) * len(inputs), f"{name} at {inputs}: gradient {grads}, expected zeros"
