"""Public API: `grad`, `value_and_grad`, `vjp`, `show`, `defvjp`.

A transformed function specializes on its arguments' types at the first call
with each signature (like numba's dispatcher), runs the pipeline once for that
signature, and keeps the compiled result.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import backend as backends
from . import codegen, frontend, infer, pipeline
from .errors import Loc, SrcdiffError
from .record import RECORD_MODES
from .rules import USER_RULES, RuleTable, default_table
from .types import is_float

Wrt = int | str | tuple


@dataclass(frozen=True)
class Specialization:
    """The generated code for one argument-type signature."""

    types: tuple
    source: str
    function: Callable  # what __call__ runs: numba-compiled, or plain Python
    python: Callable  # the plain-Python function of the same source
    seconds: float  # transform + compile time
    cotangent: Any = None  # a vjp's: the type of the output's adjoint it takes


class Transformed:
    """The result of `grad` / `value_and_grad`: call it like the original function."""

    def __init__(
        self,
        fn: Callable,
        wrt: Wrt,
        backend: str,
        rules: RuleTable | None,
        with_value: bool,
        record: str = "needed",
        fallback: bool = False,
        seeded: bool = False,
    ):
        if not callable(fn):
            raise SrcdiffError(f"expected a function to differentiate, got {type(fn).__name__}")
        if backend not in backends.BACKENDS:
            raise SrcdiffError(f"unknown backend {backend!r}; choose one of {', '.join(backends.BACKENDS)}")
        if record not in RECORD_MODES:
            raise SrcdiffError(f"unknown record mode {record!r}; choose one of {', '.join(RECORD_MODES)}")
        if rules is not None and not isinstance(rules, RuleTable):
            raise SrcdiffError(f"rules must be a srcdiff.rules.RuleTable, got {type(rules).__name__}")
        if not isinstance(fallback, bool):
            raise SrcdiffError(f"fallback must be True or False, got {fallback!r}")
        self.parsed = parse(fn)
        self.params = [a.arg for a in self.parsed.node.args.args]
        self.wrt_indices, self.wrt_is_tuple = normalize_wrt(wrt, self.params, self.parsed)
        self.backend = backend
        self.rules = rules
        self.with_value = with_value
        self.record = record
        self.fallback = fallback
        self.seeded = seeded  # a vjp: called with a cotangent after the function's arguments
        self.specializations: dict = {}  # srcdiff types → Specialization
        self.by_python_types: dict = {}  # Python types of the arguments → Specialization
        self.last: Specialization | None = None
        functools.update_wrapper(self, self.parsed.fn)
        self.__srcdiff_transformed__ = True

    def __repr__(self) -> str:
        kind = "vjp" if self.seeded else "value_and_grad" if self.with_value else "grad"
        return f"<srcdiff.{kind} of {self.parsed.name} wrt {self.wrt_names}, backend={self.backend!r}>"

    @property
    def wrt_names(self) -> tuple:
        return tuple(self.params[i] for i in self.wrt_indices)

    def __call__(self, *args, **kwargs):
        if self.seeded:
            if not args:
                raise SrcdiffError(f"the vjp of {self.parsed.name} takes its arguments, then a cotangent")
            *args, cotangent = args
        values = args if not kwargs and len(args) == len(self.params) else self.bind(args, kwargs)
        key = tuple(map(signature_key, values))  # the fast path: one dict lookup per call
        spec = self.by_python_types.get(key)
        if spec is None:
            spec = self.specialize([self.type_of(name, v) for name, v in zip(self.params, values)])
            self.by_python_types[key] = spec
        self.last = spec
        if self.seeded:
            value, grads = self.run_seeded(spec, values, cotangent)
        else:
            value, grads = spec.function(*values)
        grads = tuple(map(to_python, grads))
        result = grads if self.wrt_is_tuple else grads[0]
        return (to_python(value), result) if self.with_value else result

    def run_seeded(self, spec: Specialization, values: list, cotangent: Any) -> tuple:
        """Call a vjp's generated function with `cotangent` checked and converted to the output's type."""
        expected = spec.cotangent
        if isinstance(expected, infer.Array):
            ndim = np.ndim(cotangent) if isinstance(cotangent, np.ndarray) else None
            if ndim != expected.ndim or not np.issubdtype(cotangent.dtype, np.floating):
                got = f"{ndim}-d {cotangent.dtype} array" if ndim is not None else type(cotangent).__name__
                raise SrcdiffError(
                    f"the cotangent of {self.parsed.name}'s output must be a float array shaped like "
                    f"the output ({expected.ndim}-d); got a {got}",
                    self.parsed.loc(),
                )
            cotangent = np.ascontiguousarray(cotangent, dtype=expected.dtype)
        elif isinstance(cotangent, (bool, np.bool_)) or not isinstance(cotangent, (int, float, np.number)):
            raise SrcdiffError(
                f"the cotangent of {self.parsed.name}'s output, a float, must be a number; "
                f"got {type(cotangent).__name__}",
                self.parsed.loc(),
            )
        try:
            return spec.function(*values, float(cotangent) if expected == infer.FLOAT else cotangent)
        except ValueError as e:
            if str(e) != codegen.COTANGENT_SHAPE:
                raise
            raise SrcdiffError(
                f"the cotangent's shape {np.shape(cotangent)} differs from the shape of "
                f"{self.parsed.name}'s output",
                self.parsed.loc(),
            ) from None

    # ------------------------------------------------------------ specialization

    def specialize(self, types: list) -> Specialization:
        """The generated code for argument types `types`, built on first use."""
        key = tuple(types)
        if key not in self.specializations:
            for i in self.wrt_indices:
                if not is_float(types[i]):
                    raise SrcdiffError(
                        f"cannot differentiate {self.parsed.name} with respect to '{self.params[i]}': "
                        f"it is {types[i]}, not float (pass e.g. {self.params[i]}=2.0)",
                        self.parsed.loc(),
                    )
            self.specializations[key] = self.build(key)
        self.last = self.specializations[key]
        return self.last

    def build(self, types: tuple) -> Specialization:
        started = time.perf_counter()
        rules = self.rules or default_table()
        with reporting_bugs(self.parsed.name, self.parsed.loc()):
            module = pipeline.run(
                self.parsed, list(types), self.wrt_indices, rules, record=self.record, seeded=self.seeded
            )
            signature = [*types, module.cotangent] if self.seeded else list(types)
            function, python = backends.load(
                module, self.backend, signature, fallback=self.fallback, loc=self.parsed.loc()
            )
        seconds = time.perf_counter() - started
        return Specialization(types, module.source, function, python, seconds, module.cotangent)

    def default_types(self) -> list:
        """Types for `.source` before any call: annotations, then defaults, else float."""
        signature = inspect.signature(self.parsed.fn)
        types = []
        for p in signature.parameters.values():
            if p.annotation in (int, float, bool):
                types.append(infer.type_of_value(p.annotation()))
            elif p.default is not inspect.Parameter.empty and isinstance(p.default, (int, float, bool)):
                types.append(infer.type_of_value(p.default))
            else:
                types.append(infer.FLOAT)
        return types

    def current(self) -> Specialization:
        return self.last or self.specialize(self.default_types())

    @property
    def source(self) -> str:
        """The generated module (for the last signature called, else the default one)."""
        return self.current().source

    @property
    def python(self) -> Callable:
        """The plain-Python function of the generated code: step through it with a debugger."""
        return self.current().python

    # ------------------------------------------------------------ arguments

    def bind(self, args: tuple, kwargs: dict) -> list:
        try:
            bound = inspect.signature(self.parsed.fn).bind(*args, **kwargs)
        except TypeError as e:
            raise SrcdiffError(f"{self.parsed.name}(): {e}", self.parsed.loc()) from None
        bound.apply_defaults()
        return list(bound.arguments.values())

    def type_of(self, name: str, value: Any) -> infer.Type:
        try:
            if self.backend == "numba" and isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise SrcdiffError(f"{value} does not fit numba's int64; pass a float, or backend='python'")
            return infer.type_of_value(value)
        except SrcdiffError as e:
            message = f"argument '{name}' of {self.parsed.name}: {e.message}"
            raise SrcdiffError(message, self.param_loc(name)) from None

    def param_loc(self, name: str) -> Loc:
        """Where parameter `name` is declared in the user's `def`."""
        node = next((a for a in self.parsed.node.args.args if a.arg == name), None)
        return self.parsed.loc(node)


@contextlib.contextmanager
def reporting_bugs(name: str, loc: Loc | None):
    """Turn an exception from srcdiff's own code into a SrcdiffError saying where: never a bare KeyError."""
    try:
        yield
    except SrcdiffError:
        raise
    except Exception as e:
        raise SrcdiffError(
            f"internal error while differentiating {name} ({type(e).__name__}: {e}); "
            "please report it with this function",
            loc,
        ) from e


def parse(fn: Callable) -> frontend.ParsedFunction:
    """`frontend.parse`, with the `def` line on errors about the function as a whole."""
    where = definition_loc(fn)
    with reporting_bugs(getattr(fn, "__name__", repr(fn)), where):
        try:
            return frontend.parse(fn)
        except SrcdiffError as e:
            if e.loc is not None or where is None:
                raise
            raise type(e)(e.message, where) from None


def definition_loc(fn: Callable) -> Loc | None:
    """The file:line of `fn`'s def, before its source is read (None for a builtin)."""
    code = getattr(frontend.unwrap(fn), "__code__", None)
    return Loc(code.co_filename, code.co_firstlineno) if code else None


def normalize_wrt(wrt: Wrt, params: list, parsed) -> tuple[tuple, bool]:
    """Parameter indices from an index, a name, or a tuple of them."""
    is_tuple = isinstance(wrt, (tuple, list))
    indices = []
    for item in wrt if is_tuple else (wrt,):
        if isinstance(item, str):
            if item not in params:
                raise SrcdiffError(
                    f"wrt={item!r} names no parameter of {parsed.name}({', '.join(params)})", parsed.loc()
                )
            indices.append(params.index(item))
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -len(params) <= item < len(params):
                raise SrcdiffError(
                    f"wrt={item} is out of range: {parsed.name} has {len(params)} parameters", parsed.loc()
                )
            indices.append(item % len(params))
        else:
            raise SrcdiffError(
                f"wrt must be a parameter index, a name, or a tuple of them; got {item!r}", parsed.loc()
            )
    if is_tuple and not indices:
        raise SrcdiffError("wrt=() asks for no gradient; name at least one parameter", parsed.loc())
    return tuple(indices), is_tuple


def signature_key(value: Any):
    """What decides a specialization: the Python type, and an array's dtype and ndim."""
    return (value.dtype.str, value.ndim) if isinstance(value, np.ndarray) else type(value)


def to_python(value: Any) -> Any:
    """NumPy scalars to Python numbers, so results look the same on both backends."""
    return value.item() if isinstance(value, np.generic) else value


def transform(fn: Callable | None, *options, **keywords):
    """`Transformed(fn, ...)`, or, with no `fn`, the decorator that makes it (``@grad(wrt="w")``)."""
    if fn is None:
        return lambda f: Transformed(f, *options, **keywords)
    return Transformed(fn, *options, **keywords)


def grad(
    fn: Callable | None = None,
    wrt: Wrt = 0,
    *,
    backend: str = "numba",
    rules: RuleTable | None = None,
    record: str = "needed",
    fallback: bool = False,
):
    """The gradient of `fn` with respect to parameter(s) `wrt` (index, name, or tuple).

    Usable as ``@grad`` or ``@grad(wrt="w")``. A tuple `wrt` returns a tuple of
    gradients. `backend` is ``"numba"`` (compiled) or ``"python"`` (same code,
    uncompiled). If numba cannot compile the generated code, the call raises
    `SrcdiffError`, or with ``fallback=True`` warns (`SrcdiffWarning`) and runs it
    uncompiled. `record` says what loops store for the reverse pass: ``"needed"``
    (only what it reads) or ``"all"`` (every loop value: the naive oracle).
    """
    return transform(fn, wrt, backend, rules, False, record, fallback)


def value_and_grad(
    fn: Callable | None = None,
    wrt: Wrt = 0,
    *,
    backend: str = "numba",
    rules: RuleTable | None = None,
    record: str = "needed",
    fallback: bool = False,
):
    """Like `grad`, but the function returns ``(value, gradient)``."""
    return transform(fn, wrt, backend, rules, True, record, fallback)


def vjp(
    fn: Callable | None = None,
    wrt: Wrt = 0,
    *,
    backend: str = "numba",
    rules: RuleTable | None = None,
    record: str = "needed",
    fallback: bool = False,
):
    """The vector-Jacobian product of `fn`, whose output may be an array.

    ``vjp(f)(*args, cotangent)`` returns ``(f(*args), cotangent · ∂f/∂wrt)``: the
    gradient of ``np.sum(cotangent * f(*args))`` with respect to the parameter(s)
    `wrt`, computed in one forward and one reverse pass. `cotangent` has the shape of
    the output (a float for a float output). Options are those of `grad`. Unlike
    ``jax.vjp``, which returns a closure over a tape, srcdiff keeps no state between
    calls: each call runs the forward pass again.
    """
    return transform(fn, wrt, backend, rules, True, record, fallback, seeded=True)


def show(fn: Callable, *args, wrt: Wrt = 0) -> None:
    """Print the generated code of `fn`'s gradient (for `args`' types if given)."""
    transformed = fn if isinstance(fn, Transformed) else Transformed(fn, wrt, "python", None, False)
    if args:
        types = [transformed.type_of(n, v) for n, v in zip(transformed.params, transformed.bind(args, {}))]
        print(transformed.specialize(types).source)
    else:
        print(transformed.source)


def defvjp(*primals: Callable) -> Callable:
    """Register a derivative rule ``rule(g, ans, *inputs) -> (adjoint, ...)`` for `primals`.

    The same decorator builds srcdiff's own rule table. `g` is the adjoint of the
    output, `ans` the output; return one entry per input (None: not differentiable).
    """
    return USER_RULES.defvjp(*primals)
