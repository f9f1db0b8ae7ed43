"""The pipeline, in order: each stage a function from one form to the next.

    frontend → ssa → infer → activity → reverse → codegen → backend

`run` executes the stages for one argument-type signature. Every stage's output
has a deterministic text form; set ``SRCDIFF_DUMP`` to a comma-separated list of
stage names (or ``all``) to print them to stderr, and ``SRCDIFF_TIME=1`` to print
how long each stage took.
"""

from __future__ import annotations

import ast
import os
import sys
import time
from dataclasses import dataclass, field

from . import activity, codegen, frontend, infer, ir, reverse, ssa
from .errors import SrcdiffError
from .naming import Namer

STAGES = ("frontend", "ssa", "infer", "activity", "reverse", "codegen", "backend")


@dataclass
class Trace:
    """The text of each stage's output and its duration, for dumps, docs and the CLI."""

    texts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    keep_text: bool = False  # keep every stage's text even when nothing is dumped

    def record(self, stage: str, started: float | None, text_fn) -> None:
        if started is not None:
            self.seconds[stage] = time.perf_counter() - started
        wanted = os.environ.get("SRCDIFF_DUMP", "")
        if wanted or self.keep_text:
            self.texts[stage] = text_fn()
        if wanted == "all" or stage in wanted.split(","):
            print(f"--- srcdiff: after {stage} ---\n{self.texts[stage]}", file=sys.stderr)
        if os.environ.get("SRCDIFF_TIME") and stage in self.seconds:
            print(f"srcdiff: {stage} took {1e3 * self.seconds[stage]:.2f} ms", file=sys.stderr)


def run(
    parsed: frontend.ParsedFunction,
    param_types: list,
    wrt: tuple,
    rules,
    trace: Trace | None = None,
    record: str = "needed",
    seeded: bool = False,
):
    """Differentiate `parsed` for `param_types` w.r.t. parameter indices `wrt`; return a codegen.Module.

    `record` is ``"needed"`` (store only what the reverse pass reads) or ``"all"``.
    `seeded`: a vector-Jacobian product, whose output may be an array (`codegen.emit_value_and_grad`).
    """
    trace = trace or Trace()
    namer = Namer()
    trace.record("frontend", None, lambda: ast.unparse(parsed.node))  # parsed when grad() was called

    t = time.perf_counter()
    func = ssa.build(parsed, rules, namer)
    trace.record("ssa", t, lambda: ir.format_function(func))

    t = time.perf_counter()
    typed = infer.infer(func, param_types, UserCallTypes(rules))
    trace.record("infer", t, lambda: ir.format_function(func, typed.types))

    for value, index, loc, message in func.view_reads:  # x[i] read after a write into x
        row = isinstance(typed.types.get(value), infer.Array)  # a view, unless an index array copied
        if row and not any(isinstance(typed[i], infer.Array) for i in index):
            raise SrcdiffError(message, loc)

    for array, value, index, loc, message in func.in_place_reads:  # b = a; a += v; read b
        changed = typed.types.get(array, typed.types.get(value))  # pruned if dead: then as the value
        shares = isinstance(changed, infer.Array) and isinstance(typed.types.get(value), infer.Array)
        if shares and not any(isinstance(typed.types.get(i), infer.Array) for i in index):  # x[idx] copies
            raise SrcdiffError(message, loc)

    output_type = typed[func.body.yields[0]]
    if not isinstance(output_type, infer.Array) and output_type.kind != "float":
        raise SrcdiffError(
            f"{func.name} returns {'a bool' if output_type.kind == 'bool' else 'an int'}; grad needs a float "
            "output (its gradient would be zero wherever it is defined: return float(...) if you mean it)",
            func.return_loc or func.loc,
        )
    if isinstance(output_type, infer.Array) and seeded and not output_type.dtype.startswith("float"):
        raise SrcdiffError(
            f"{func.name} returns an array of {output_type.dtype}; vjp needs a float output",
            func.return_loc or func.loc,
        )
    if isinstance(output_type, infer.Array) and not seeded:
        raise SrcdiffError(
            f"{func.name} returns an array ({output_type}); grad needs a scalar output "
            "(reduce it, e.g. with np.sum)",
            func.return_loc or func.loc,
        )

    t = time.perf_counter()
    wrt_vars = tuple(func.params[i] for i in wrt)
    acts = activity.analyze(typed, wrt_vars, rules)
    trace.record("activity", t, lambda: format_activity(func, acts))

    t = time.perf_counter()
    adjoint = reverse.differentiate(typed, acts, wrt_vars, rules, namer, record)
    trace.record("reverse", t, lambda: format_adjoint(adjoint))

    t = time.perf_counter()
    origin = f"{parsed.fn.__module__}.{parsed.fn.__qualname__} ({parsed.loc()})"
    signature = ", ".join(f"{p.name}: {ty}" for p, ty in zip(func.params, param_types))
    module = codegen.emit_value_and_grad(adjoint, origin, signature, seeded)
    trace.record("codegen", t, lambda: module.source)
    return module


class UserCallTypes:
    """The result type of a call to a user's function that has a rule, from its source.

    srcdiff does not look inside such a function to differentiate it, but reads it to
    know what it returns (`mean_of(x)` is a float though `x` is an array). When it cannot
    read it (no source, or constructs it does not support), `infer` falls back to the
    broadcast type of the arguments, as for a ufunc.
    """

    def __init__(self, rules):
        self.rules = rules
        self.known: dict = {}

    def __call__(self, fn, arg_types: list) -> infer.Type | None:
        key = (fn, tuple(arg_types))
        if key not in self.known and None not in arg_types and is_users_with_rule(fn):
            self.known[key] = None  # a call to itself, while it is typed: unknown
            try:
                func = ssa.build(frontend.parse(fn), self.rules, Namer())
                self.known[key] = infer.infer(func, list(arg_types), self)[func.body.yields[0]]
            except Exception:  # noqa: BLE001 - only a better guess than the ufunc default is at stake
                pass
        return self.known.get(key)


def is_users_with_rule(fn) -> bool:
    """A call the SSA kept as an op though it is the user's Python: the function has a rule."""
    module = getattr(fn, "__module__", None) or ""
    return ssa.is_user_function(fn) and module.split(".")[0] != "srcdiff"


def format_activity(func: ir.Function, acts: activity.Activity) -> str:
    values = [*func.params]
    for stmt in ir.walk(func.body):
        values += [*ir.defined_by(stmt), *(a for r in ir.regions(stmt) for a in r.args)]
    return "active: " + ", ".join(v.name for v in values if v in acts.active)


def format_adjoint(adjoint: reverse.Adjoint) -> str:
    lines = ["forward:", *ir.format_block(adjoint.forward), f"reverse (seed {adjoint.seed.name}):"]
    lines += ir.format_block(adjoint.reverse)
    return "\n".join(lines)
