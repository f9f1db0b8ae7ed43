"""Every unsupported construct and every bad call raises SrcdiffError at the user's file:line.

A case names what to hand `srcdiff.grad`, substrings its message must contain, and
where it must point: the line marked ``# ERROR-LINE`` in a function of
``tests/invalid/`` (found by reading the file, never hard-coded; for a bad argument,
the parameter in the `def` line), a `Loc` for code with no file (an exec string), or
None where no line of user code exists (a builtin, a non-function, an option of
`grad` itself). The sweep then checks that every public entry point, on both
backends, lets nothing but SrcdiffError out. Cases srcdiff gets wrong today are
strict xfails whose reason says what is wrong.
"""

import importlib.util
import inspect
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import scipy.special

import srcdiff
from srcdiff import Loc, SrcdiffError, SrcdiffWarning
from srcdiff.errors import NumbaRejected
from srcdiff.rules import RuleSet, RuleTable, builtin_table

MARKER = "# ERROR-LINE"
INVALID = Path(__file__).parent / "invalid"


def load(name: str):
    """Import ``tests/invalid/<name>.py`` by path, whatever pytest's import mode."""
    spec = importlib.util.spec_from_file_location(f"srcdiff_invalid_{name}", INVALID / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bad = load("constructs")
sem = load("semantics")
soon = load("not_yet_supported")
bad_rules = load("rules")

SELF = "the function under test"

DIGAMMA_RULES = RuleSet()  # a user's rule for math.lgamma whose body numba cannot compile


@DIGAMMA_RULES.defvjp(math.lgamma)
def lgamma_vjp(g, ans, x):
    return (g * scipy.special.digamma(x),)


WITH_DIGAMMA = RuleTable(*builtin_table().sets, DIGAMMA_RULES)


@dataclass
class Case:
    name: str
    fn: object
    expect: tuple  # substrings of the message (compared case-insensitively)
    at: object = SELF  # the function whose ERROR-LINE the error points at, a Loc, or None: no line
    args: tuple = (2.0,)
    wrt: object = 0
    options: dict = field(default_factory=dict)  # more keywords for grad: backend, rules
    call_time: bool = False  # only the arguments are wrong: `.source` (default types) succeeds


def case(name, fn, *expect, **fields) -> Case:
    return Case(name, fn, expect, **fields)


def fenced(fn, construct, **fields) -> Case:
    """A construct the fence rejects: the case is named after its function."""
    return case(fn.__name__, fn, construct, "not supported", **fields)


NUMBA = {"backend": "numba"}
ARRAY = (np.ones(3),)
ON_ARRAY = {"args": ARRAY, "call_time": True}  # `.source` types x as a float: another error

CONSTRUCTS = [
    fenced(bad.try_except, "try/except"),
    fenced(bad.with_statement, "with statement"),
    fenced(bad.generator, "yield"),
    fenced(bad.generator_after_assignment, "yield"),
    fenced(bad.generator_assigned, "yield"),
    case("async_def", bad.async_def, "async def"),
    fenced(bad.lambda_inside, "lambda"),
    fenced(bad.class_inside, "class definition"),
    fenced(bad.nested_def, "nested function definition"),
    fenced(bad.global_statement, "global statement"),
    fenced(bad.nonlocal_statement, "nonlocal statement"),
    fenced(bad.list_comprehension, "list comprehension"),
    fenced(bad.set_comprehension, "set comprehension"),
    fenced(bad.dict_comprehension, "dict comprehension"),
    fenced(bad.generator_expression, "generator expression"),
    fenced(bad.string_value, "string value"),
    case("string_of_number", bad.string_of_number, "call to str", "srcdiff.defvjp(str)"),
    fenced(bad.f_string, "f-string"),
    fenced(bad.expression_statement_first, "expression statement"),
    fenced(bad.print_statement, "print"),
    fenced(bad.walrus, ":="),
    fenced(bad.del_statement, "del"),
    fenced(bad.assert_statement, "assert"),
    fenced(bad.raise_statement, "raise"),
    fenced(bad.import_inside, "import"),
    fenced(bad.import_from_inside, "import"),
    fenced(bad.star_args, "*args"),
    fenced(bad.star_kwargs, "**kwargs"),
    fenced(bad.attribute_of_number, ".real"),
]

SEMANTICS = [
    case("recursion_direct", sem.recursion_direct, "recursion", "recursion_direct"),
    case(
        "recursion_mutual",
        sem.recursion_mutual_a,
        "recursion",
        "recursion_mutual_a",
        "recursion_mutual_b",
        at=sem.recursion_mutual_b,
    ),
    case("no_rule_sorted", sem.calls_sorted, "sorted", "srcdiff.defvjp(sorted)"),
    case("no_rule_lgamma", sem.calls_lgamma, "math.lgamma", "srcdiff.defvjp(math.lgamma)"),
    case("no_rule_gamma", sem.calls_gamma, "math.gamma", "srcdiff.defvjp(math.gamma)"),
    case("max_of_one_value", sem.max_of_one_value, "max"),
    case("no_rule_numpy", sem.calls_cumsum, "np.cumsum", "srcdiff.defvjp(np.cumsum)", args=(np.ones(3),)),
    case("numba_cannot_compile", sem.comb_of_int, "math.comb", "python", args=(2.0, 3), options=NUMBA),
    case(
        "numba_rejects_user_rule",
        sem.calls_lgamma,
        "numba cannot compile",
        "psi(x)",  # scipy.special.digamma's __name__
        'backend="python"',
        options={**NUMBA, "rules": WITH_DIGAMMA},
    ),
    case("returns_tuple", sem.returns_tuple, "a tuple of 2 values", "one scalar output"),
    case("returns_list", sem.returns_list, "a list of 2 values", "one scalar output"),
    case("module_level_array", sem.module_level_array, "'WEIGHTS'", "array", "as an argument", **ON_ARRAY),
    case("matmul_of_floats", sem.matmul_of_floats, "'@'", "float and float", "use *"),
    case("returns_array", sem.returns_array, "an array", "scalar output", args=(np.ones(3),), call_time=True),
    case("write_into_parameter", sem.write_into_parameter, "parameter 'x'", "copy", **ON_ARRAY),
    case("write_into_view", sem.write_into_view, "a view of another array", **ON_ARRAY),
    case("read_alias_after_write", sem.read_alias_after_write, "'a'", "before a write", **ON_ARRAY),
    case("write_through_index_array", sem.write_through_index_array, "integer-array index", args=ARRAY),
    case("no_return", sem.no_return, "return"),
    case("bare_return", sem.bare_return, "return <value>"),
    case("maybe_undefined", sem.maybe_undefined, "'y'", "may be undefined"),
    case("falls_off_the_end", sem.falls_off_the_end, "without returning a value"),
    case("for_else", sem.for_else, "for ... else"),
    case("while_else", sem.while_else, "while ... else"),
    case("range_of_float", sem.range_of_float, "range() needs integers", args=(2.0, 3.0)),
    case("range_step_zero", sem.range_step_zero, "step must not be zero"),
    case("loop_over_tuple", sem.loop_over_tuple, "anything but range"),
    case("name_not_defined", sem.name_not_defined, "undefined_scale", "not defined"),
    case("used_before_assignment", sem.used_before_assignment, "'scale'", "before it is assigned"),
    case("error_in_callee", sem.calls_helper_with_try, "try/except", at=sem.helper_with_try),
    case("calls_module_lambda", sem.calls_lambda, "lambda", at=sem.square_lambda),
    case("calls_function_without_source", sem.calls_no_source, "no_source", "source"),
]

two = sem.two_params  # fine in itself: these cases call it badly
BAD_CALLS = [
    case("wrt_unknown_name", two, "wrt='z'", "two_params(x, y)", wrt="z"),
    case("wrt_index_out_of_range", two, "wrt=2", "out of range", wrt=2),
    case("wrt_negative_out_of_range", two, "wrt=-3", "out of range", wrt=-3),
    case("wrt_empty_tuple", two, "wrt=()", wrt=()),
    case("wrt_float", two, "wrt", "1.5", wrt=1.5),
    case("wrt_int_argument", two, "'y'", "int", args=(2.0, 3), wrt=1, call_time=True),
    case("list_argument", two, "'x'", "list", "np.array", args=([1.0], 2.0), call_time=True),
    case("str_argument", two, "'y'", "str", args=(2.0, "3"), call_time=True),
    case("none_argument", two, "'x'", "NoneType", args=(None, 2.0), call_time=True),
    case("complex_argument", two, "'x'", "complex", args=(1j, 2.0), call_time=True),
    case("float16_array_argument", two, "'x'", "float16", args=(np.ones(2, np.float16), 2.0), call_time=True),
    case("int_too_big_for_numba", two, "'y'", "int64", args=(2.0, 2**70), options=NUMBA, call_time=True),
    case("too_few_arguments", two, "two_params", "'y'", args=(2.0,), call_time=True),
    case("too_many_arguments", two, "two_params", "too many", args=(1.0, 2.0, 3.0), call_time=True),
    case("builtin_function", math.sin, "sin", "not a python function", at=None),  # no source, no line
    case("lambda_function", sem.square_lambda, "lambda", "def"),
    case("exec_function", sem.no_source, "no_source", "source", "file", at=Loc("<generated>", 1)),
    case("not_callable", 42, "function", "int", at=None),
    case("unknown_backend", two, "'cuda'", "numba", args=(1.0, 2.0), options={"backend": "cuda"}, at=None),
    case("rules_not_a_table", two, "rules", args=(1.0, 2.0), options={"rules": "not a table"}, at=None),
    case("grad_of_grad", srcdiff.grad(two, backend="python"), "grad", args=(2.0, 3.0), at=two),
]

# Rejected today, planned: these document the current messages and flip when support lands.
NOT_YET_SUPPORTED = [
    fenced(soon.keyword_only, "keyword-only"),
]

ALL = CONSTRUCTS + SEMANTICS + BAD_CALLS + NOT_YET_SUPPORTED

# srcdiff.defvjp(bad_rules.primal)(rule); `args` and `wrt` are unused.
BAD_RULES = [
    case("rule_lambda", bad_rules.lambda_rule, "lambda"),
    case("rule_from_exec", bad_rules.exec_rule, "exec_rule", "source", at=None),
    case("rule_builtin", bad_rules.builtin_rule, "sin", at=None),
    case("rule_not_callable", 42, "int", at=None),
    case("rule_too_few_params", bad_rules.too_few_params, "(g, ans, *inputs)"),
    case("rule_star_params", bad_rules.star_params, "(g, ans, *inputs)"),
    case("rule_no_return", bad_rules.no_return, "return (adjoint, ...)"),
    case("rule_if_statement", bad_rules.if_statement, "name = expression"),
    case("rule_wrong_count", bad_rules.wrong_count, "2 adjoints for 1 inputs"),
]

# What srcdiff gets wrong today (strict xfails): case → the problem. Delete an entry when it is fixed.
KNOWN_BUGS: dict = {}  # case name → reason, for a strict xfail while a bug is open
BREAKS_SWEEP: set = set()  # the sweep fails on these too
assert set(KNOWN_BUGS) | BREAKS_SWEEP <= {c.name for c in ALL + BAD_RULES}


def xfail_marks(c: Case, *, sweep: bool = False) -> list:
    failing = c.name in (BREAKS_SWEEP if sweep else KNOWN_BUGS)
    return [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[c.name])] if failing else []


def marked_line(fn) -> tuple[Path, int]:
    """The file and line of the one ERROR-LINE marker in `fn`'s source."""
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, text in enumerate(lines) if MARKER in text]
    assert len(hits) == 1, f"{fn.__name__} must hold exactly one {MARKER} marker, found {len(hits)}"
    return Path(inspect.getsourcefile(fn)).resolve(), hits[0]


def check_error(err: SrcdiffError) -> None:
    """What every error must satisfy: a Loc that prefixes the message, and no wrapped crash."""
    assert isinstance(err, SrcdiffError)
    assert "internal error" not in str(err), str(err)
    if err.loc is not None:
        assert isinstance(err.loc, Loc)
        assert str(err).startswith(f"{err.loc.file}:{err.loc.line}: "), str(err)


def check_message(err: SrcdiffError, case: Case) -> None:
    check_error(err)
    for part in case.expect:
        assert part.lower() in str(err).lower(), f"{part!r} not in {str(err)!r}"
    if isinstance(case.at, Loc):
        assert err.loc is not None and (err.loc.file, err.loc.line) == (case.at.file, case.at.line), str(err)
    elif case.at is not None:
        file, line = marked_line(case.fn if case.at is SELF else case.at)
        assert err.loc is not None, f"no file:line in {str(err)!r}"
        assert (Path(err.loc.file).resolve(), err.loc.line) == (file, line), str(err)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=xfail_marks(c)) for c in ALL])
def test_message_names_construct_and_line(case):
    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(case.fn, wrt=case.wrt, **{"backend": "python", **case.options})(*case.args)
    check_message(info.value, case)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=xfail_marks(c)) for c in BAD_RULES])
def test_defvjp_rejects_bad_rule(case):
    with pytest.raises(SrcdiffError) as info:
        srcdiff.defvjp(bad_rules.primal)(case.fn)
    check_message(info.value, case)


ENTRY_POINTS = {
    "grad": lambda c, kw: srcdiff.grad(c.fn, wrt=c.wrt, **kw)(*c.args),
    "value_and_grad": lambda c, kw: srcdiff.value_and_grad(c.fn, wrt=c.wrt, **kw)(*c.args),
    "decorator": lambda c, kw: srcdiff.grad(wrt=c.wrt, **kw)(c.fn)(*c.args),
    "source": lambda c, kw: srcdiff.grad(c.fn, wrt=c.wrt, **kw).source,
    "value_and_grad_source": lambda c, kw: srcdiff.value_and_grad(c.fn, wrt=c.wrt, **kw).source,
    "show": lambda c, kw: srcdiff.show(c.fn, *c.args, wrt=c.wrt),  # always the python backend
    "check_grads": lambda c, kw: srcdiff.testing.check_grads(c.fn, c.args, wrt=c.wrt, **kw),
}


def applies(c: Case, entry: str) -> bool:
    if entry.endswith("source"):
        return not c.call_time  # `.source` specializes on default types, not on the bad arguments
    if entry == "show":  # show takes neither a backend nor rules; showing a gradient's code is fine
        return not c.options and not isinstance(c.fn, srcdiff.Transformed)
    if entry == "check_grads":  # it takes no fallback, and the default-wrt case is for grad
        return "fallback" not in c.options
    return True


@pytest.mark.parametrize(
    "case, entry",
    [
        pytest.param(c, e, id=f"{c.name}-{e}", marks=xfail_marks(c, sweep=True))
        for c in ALL
        for e in ENTRY_POINTS
        if applies(c, e)
    ],
)
def test_only_srcdiff_error_escapes(case, entry, backend):
    with pytest.raises(SrcdiffError) as info:
        ENTRY_POINTS[entry](case, {"backend": backend, **case.options})
    check_error(info.value)


def test_function_without_rule_is_fine_on_an_inactive_int(backend):
    value, grad = srcdiff.value_and_grad(sem.lgamma_of_int, backend=backend)(2.0, 4)
    assert grad == pytest.approx(math.lgamma(4))
    assert value == pytest.approx(2.0 * math.lgamma(4) + math.gamma(4.0))


def test_closure_with_comment_at_column_0_differentiates():
    assert srcdiff.grad(sem.closure_with_column_0_comment, backend="python")(2.0) == 2.0


def marker_lines(fn) -> set:
    """(file, line) of each ERROR-LINE marker in `fn`'s source; empty if it has no source."""
    try:
        lines, first = inspect.getsourcelines(fn)
        file = Path(inspect.getsourcefile(fn)).resolve()
    except (OSError, TypeError):  # a builtin, exec-made code, a srcdiff gradient
        return set()
    return {(file, first + i) for i, text in enumerate(lines) if MARKER in text}


def test_every_error_line_marker_has_a_case():
    """A function added to tests/invalid/ with an ERROR-LINE marker is checked by some case."""
    markers = {
        (path.resolve(), n)
        for path in INVALID.glob("[!_]*.py")
        for n, text in enumerate(path.read_text().splitlines(), start=1)
        if MARKER in text
    }
    covered = set().union(*(marker_lines(f) for c in ALL + BAD_RULES for f in (c.fn, c.at) if callable(f)))
    assert markers - covered == set()


def test_the_users_own_exception_passes_through(backend):
    """An exception the user's code raises at run time reaches the user unwrapped."""
    with pytest.raises(ZeroDivisionError):
        srcdiff.grad(sem.two_params_ratio, backend=backend)(1.0, 0.0)


# ---------------------------------------------------------------- numba rejects the generated code


def test_numba_rejection_names_the_users_line_and_suggests_python():
    with pytest.raises(NumbaRejected) as info:
        srcdiff.grad(sem.comb_of_int, backend="numba")(2.0, 3)
    message = str(info.value)
    assert "numba cannot compile `comb = math.comb(n, 2)`" in message
    assert 'backend="python"' in message and "fallback=True" in message
    assert "Traceback" not in message and "\x1b[" not in message  # numba's own report, tidied
    assert (Path(info.value.loc.file).resolve(), info.value.loc.line) == marked_line(sem.comb_of_int)


@pytest.mark.parametrize(
    "fn, args, rules, expected",
    [
        (sem.comb_of_int, (2.0, 3), None, 3.0),
        (sem.calls_lgamma, (2.5,), WITH_DIGAMMA, float(scipy.special.digamma(2.5))),
    ],
    ids=["math.comb", "user_rule_calls_scipy"],
)
def test_fallback_warns_at_the_users_line_and_runs_uncompiled(fn, args, rules, expected):
    g = srcdiff.grad(fn, backend="numba", rules=rules, fallback=True)
    with pytest.warns(SrcdiffWarning, match="numba cannot compile") as record:
        assert g(*args) == pytest.approx(expected)
    assert len(record) == 1
    warning = record[0]
    file, line = marked_line(fn)
    assert f"{file}:{line}: " in str(warning.message) and "fallback=True" in str(warning.message)
    assert Path(warning.filename).resolve() == Path(__file__).resolve()  # attributed to the caller
    assert g.last.function is g.last.python  # the plain-Python function runs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g(*args) == pytest.approx(expected)  # once per signature: no second warning


def test_fallback_changes_nothing_when_numba_compiles():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = srcdiff.grad(sem.two_params, backend="numba", fallback=True)
        assert g(2.0, 3.0) == 3.0
    assert g.last.function is not g.last.python


def test_fallback_must_be_a_bool():
    with pytest.raises(SrcdiffError, match="fallback must be True or False"):
        srcdiff.grad(sem.two_params, fallback="python")
