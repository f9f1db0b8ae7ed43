"""Random NumPy programs with writes in loops: the generator behind tests/test_random_arrays.py.

`programs()` is a Hypothesis strategy drawing a `Program`: the source of a function
``program(x0, ..., w, n)`` over float arrays of shapes (4,), (3,), (3, 4), (3, 1), (1, 4),
maybe a float ``w`` and an int ``n`` in 1..3, and the arguments to call it with. Its body
mixes

* array expressions (`array_program_text.EXPRESSIONS`): elementwise operators and ufuncs
  with broadcasting, reductions with and without ``axis``, ``@``/``np.dot``/``np.outer``,
  index and slice reads, ``.T``/``ravel``/``reshape``, ``concatenate``/``stack``, integer-array
  reads, and calls to helpers that fill buffers of their own;
* buffers made with ``np.zeros``/``ones``/``empty``/``full``/``zeros_like``/``x * 1.0``/
  ``x.copy()``, written by element, row, row slice, column or slice, in ``for`` and ``while``
  loops (forwards, backwards, by steps, nested, repeated sweeps, two buffers at once), under
  ``if``s in and around loops, with ``=``, ``+=``, ``-=``, ``*=``, recurrences
  (``b[i] = f(b[i - 1])``), loop-carried floats, whole-buffer reads between writes,
  ``break`` and early ``return``; time stepping (``b = new`` at the end of a loop body);
  later statements read the buffers again, so values the reverse pass needs are overwritten.

A program is built by running it: each statement runs on the arguments as it is drawn
(``np.empty`` gives NaNs there, so an element read before it is written shows), and a
statement whose new values are not finite or exceed `LIMIT` is dropped. Shapes are thus
NumPy's own and values stay small without a bound calculus.

A few programs on purpose do what srcdiff documents it refuses (`Program.probes`): write
into a parameter, write into a view, read an alias of an array after writing into it, or
read a view of an array after writing into the array (`Program.stale_views` counts those
reads: Python sees the write through the view). Constructs of known, unfixed srcdiff bugs
(tests/corpus/writes.py) are drawn only with ``known_bugs=True``.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .array_program_loops import LoopWriter, assignable
from .array_program_text import EXPRESSIONS, INSTRUMENTS, PRELUDE, fits, render

M, N = 3, 4
PARAM_SHAPES = [(N,), (M,), (M, N), (M, 1), (1, N)]
BUFFER_SHAPES = [(N,), (M,), (M, N)]
LIMIT = 20.0  # largest magnitude of any value the program computes at its arguments
NAMES = re.compile(r"\b[a-z]+\d+\b")  # the names the generator makes: x0, v3, b4, s5, ...
RETURN = re.compile(r"^(\s*)return (.*)$", re.MULTILINE)
HELPERS = compile(PRELUDE.replace("np.empty(", "_empty("), "<prelude>", "exec")


@dataclass
class Program:
    source: str
    instrumented: str  # kinks record their margins and outcomes
    args: tuple
    wrt: tuple  # the float arguments' indices
    probes: frozenset = frozenset()  # documented refusals the program may trigger
    stale_views: int = 0  # reads of a view of a buffer written since the view was taken

    @property
    def float32(self) -> bool:
        """Whether an argument is a float32 array (the checks then allow float32 rounding)."""
        return any(getattr(a, "dtype", None) == np.float32 for a in self.args)

    @property
    def body(self) -> str:
        return self.source.split("def program", 1)[1]


@dataclass
class Value:
    """A name the program can read: its shape, and what writing into arrays does to it."""

    shape: tuple
    buffer: bool = False  # an array the program made and may write into
    base: str | None = None  # the buffer this value is a view of
    stale: bool = False  # `base` was written after this view was taken
    alias: bool = False  # a probe: another name for a buffer
    written: bool = False  # a buffer written since it was made


class EarlyReturn(Exception):
    """A ``return`` inside a statement, while the generator runs it."""


def nan_empty(shape, dtype=float):
    """`np.empty` while generating: an element read before it is written shows as NaN."""
    return np.full(shape, np.nan, dtype)


def index_reads(shape: tuple) -> list[str]:
    """Index texts valid for an array of `shape`: element, row, column and slice reads."""
    if len(shape) == 1:
        n = shape[0]
        return ["[0]", f"[{n - 1}]", "[-1]", "[1]", "[1:3]", "[::2]", "[1:]", "[:-1]", "[::-1]"] + [
            "[None, :]",
            "[:, None]",
        ]
    r, c = shape
    out = ["[0]", f"[{r - 1}]", "[-1]", "[0, 0]", f"[{r - 1}, {c - 1}]", "[:, 0]", f"[:, {c - 1}]"]
    return out + (["[1:]", "[0][0]", "[:, ::2]", "[::-1]", "[1:, 1:3]"] if r > 1 and c > 1 else [])


def spell(shape: tuple) -> str:
    return str(shape[0]) if len(shape) == 1 else str(shape)


class Generator(LoopWriter):
    """Draws statements, runs each on the arguments, and keeps those whose values stay finite and small."""

    def __init__(self, draw, params: dict, known_bugs: bool):
        self.draw = draw
        self.known_bugs = known_bugs
        self.stale_ok = known_bugs  # may read a view of a buffer after a write into the buffer
        self.env = copy.deepcopy(params)
        self.values = {k: Value(np.shape(v)) for k, v in params.items() if not isinstance(v, int)}
        self.has_n = "n" in params
        self.lines: list[str] = []
        self.fresh = 0
        self.probes: set = set()
        self.stale_views = 0
        self.writing: set = set()  # the buffers the loop being drawn writes
        self.frozen: set = set()  # buffers a loop being drawn must not write
        self.returned = False  # an early return was taken at the arguments: the rest is dead

    # ------------------------------------------------------------ running statements

    def name(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}{self.fresh}"

    def run(self, lines: list[str]) -> tuple[dict | None, bool]:
        """The state after running `lines` on a copy of the state, and whether they returned."""
        namespace = {"np": np, "math": math, "_empty": nan_empty, "EarlyReturn": EarlyReturn}
        exec(HELPERS, namespace)  # the prelude's helpers
        namespace.update(copy.deepcopy(self.env))
        code = render("\n".join(line[4:] for line in lines)).replace("np.empty(", "_empty(")
        returned = False
        try:
            with np.errstate(all="ignore"):
                exec(
                    compile(RETURN.sub(r"\1raise EarlyReturn(\2)", code), "<generated statement>", "exec"),
                    namespace,
                )
        except EarlyReturn as e:
            if not np.isfinite(e.args[0]):
                return None, False
            returned = True
        except (ArithmeticError, ValueError, IndexError, TypeError):
            return None, False
        skip = {"np", "math", "_empty", "EarlyReturn", "__builtins__", "smooth", "running"}
        return {k: v for k, v in namespace.items() if k not in skip}, returned

    def emit(self, lines: list[str], new: dict, written: tuple = ()) -> bool:
        """Keep `lines` if every value they set or write is finite and at most `LIMIT` in magnitude."""
        state, returned = self.run(lines)
        if state is None:
            return False
        for k in [*new, *written]:
            a = np.asarray(state[k], dtype=float)
            if not np.all(np.isfinite(a)) or np.max(np.abs(a), initial=0.0) > LIMIT:
                return False
        self.stale_views += self.stale_reads(lines, written)
        self.env, self.returned = state, returned
        self.lines += lines
        self.values.update(new)
        for k, v in self.values.items():
            v.stale = v.stale or v.base in written
            v.written = v.written or k in written
        return True

    def stale_reads(self, lines: list[str], written: tuple) -> int:
        """Reads of views whose buffer was written since, or is written by the loop `lines` run."""
        looping = any(re.match(r"\s*(for|while) ", line) for line in lines)
        count = 0
        for name in NAMES.findall("\n".join(lines)):
            v = self.values.get(name)
            if v is not None and not v.alias and (v.stale or (looping and v.base in written)):
                count += 1
        return count

    # ------------------------------------------------------------ choosing operands

    def pick(self, names: list[str]) -> str:
        """One of `names`: half the time one of the three newest, for deep dependency chains."""
        if len(names) > 3 and self.draw(st.booleans()):
            return names[-1 - self.draw(st.integers(0, 2))]
        return self.draw(st.sampled_from(names))

    def readable(self, test=lambda v: True) -> list[str]:
        """Names whose value may be read now: not a view of a written buffer, unless `stale_ok`."""

        def safe(v: Value) -> bool:
            return v.alias or self.stale_ok or not (v.stale or v.base in self.writing)

        return [k for k, v in self.values.items() if test(v) and safe(v)]

    def const(self, low=-1.0, high=1.0) -> str:
        return repr(self.draw(st.integers(int(low * 100), int(high * 100))) / 100)

    def scalar(self, varying: bool = False) -> str:
        """A float: a scalar value of the program, or (unless `varying` and there is one) a constant."""
        names = self.readable(lambda v: v.shape == ())
        return self.pick(names) if names and (varying or self.draw(st.booleans())) else self.const()

    # ------------------------------------------------------------ array expressions

    def stmt_expr(self) -> None:
        """``v = <form>`` of one or two values (`EXPRESSIONS`)."""
        names = self.readable()
        a = self.pick(names)
        shape = self.values[a].shape
        kind = self.draw(st.sampled_from(list(EXPRESSIONS)))
        forms = [f for f in EXPRESSIONS[kind] if "{b}" in f or fits(f, shape)]
        form = self.draw(st.sampled_from(forms)) if forms else None
        others = [k for k in names if form and fits(form, shape, self.values[k].shape)]
        if form is None or ("{b}" in form and not others):
            return
        b = self.pick(others) if "{b}" in form else None
        k = self.draw(st.integers(-1, len(shape) - 1)) if "{k}" in form else None
        index = self.draw(st.sampled_from(index_reads(shape))) if "{index}" in form else None
        text = form.format(a=a, b=b, k=k, c=self.const(), index=index)
        target = self.name("v")
        state, _ = self.run([f"    {target} = {text}"])
        if state is not None:
            result = np.shape(state[target])
            viewing = kind in ("index", "view") and "np.array" not in text and result != ()  # x[idx] copies
            base = self.values[a].base or (a if self.values[a].buffer else None)
            self.emit([f"    {target} = {text}"], {target: Value(result, base=base if viewing else None)})

    def stmt_carried(self) -> None:
        """``for t in range(k): a = a + 0.1 * np.sin(a)``: an array (a parameter, too) rebound in a
        loop, as time stepping without buffers does."""
        names = [k for k, v in self.values.items() if v.shape != () and not (v.buffer or v.base or v.alias)]
        if not names:
            return
        a, t = self.pick(names), self.name("t")
        s = self.scalar()
        forms = [
            f"{a} = {a} + {self.const(0.05, 0.3)} * np.sin({a})",
            f"{a} = {a} * {self.const(0.5, 0.9)} + np.tanh({a}) * {s}",
            f"{a} = {a} - {self.const(0.05, 0.2)} * {a} * {a}",
            f"{a} = 0.5 * {a} + {self.const(0.1, 0.4)} * np.cos({a} * {s})",
        ]
        steps = self.draw(st.sampled_from(["2", "3"] + ["n"] * self.has_n))
        lines = [f"    for {t} in range({steps}):", f"        {self.draw(st.sampled_from(forms))}"]
        self.emit(lines, {a: Value(self.values[a].shape)})

    # ------------------------------------------------------------ buffers

    def buffers(self) -> list[str]:
        return [k for k, v in self.values.items() if v.buffer]

    def stmt_buffer(self) -> None:
        """A new buffer; one made with `np.empty` is filled by a loop in the same statement."""
        sources = self.readable(lambda v: v.shape in BUFFER_SHAPES)
        shape = self.draw(st.sampled_from(BUFFER_SHAPES))
        forms = ["np.zeros({s})", "np.ones({s})", "np.full({s}, {c})", "np.empty({s})"]
        forms += (
            ["np.zeros_like({a})", "{a} * 1.0", "{a}.copy()", "np.copy({a})", "{a} + 0.0"] if sources else []
        )
        form = self.draw(st.sampled_from(forms))
        a = self.pick(sources) if "{a}" in form else None
        shape = self.values[a].shape if a else shape
        b = self.name("b")
        line = f"    {b} = " + form.format(s=spell(shape), a=a, c=self.const())
        self.values[b] = Value(shape, buffer=True)
        if "empty" in form:
            body, written = self.write_loop(b, fill=True)
            kept = self.emit([line, *body], {}, written)
        else:
            kept = self.emit([line], {})
        if not kept:
            del self.values[b]

    def stmt_loop(self) -> None:
        if not self.buffers():
            return
        b = self.pick(self.buffers())
        lines, written = self.write_loop(b, fill=False)
        carried = [line.split(" = ")[0].strip() for line in lines if re.match(r" {4}s\d+ = ", line)]
        if self.draw(st.integers(0, 5)) == 3:  # repeated sweeps over the buffer (3: Hypothesis favours 0)
            lines = [f"    for {self.name('r')} in range(2):", *["    " + line for line in lines]]
        if not carried:
            lines = self.maybe_branch(lines, b)
        self.emit(lines, {s: Value(()) for s in carried}, written)

    def maybe_branch(self, lines: list[str], b: str) -> list[str]:
        """Sometimes put `lines` under a data-dependent ``if``, with an ``else`` that writes too."""
        if self.draw(st.integers(0, 4)) != 3:
            return lines
        out = [f"    if ⟦gt:{self.scalar(varying=True)};{self.const()}⟧:", *["    " + line for line in lines]]
        if self.draw(st.booleans()):
            out += ["    else:", *["    " + line for line in self.slice_write(b)]]
        return out

    def stmt_slice_write(self) -> None:
        if self.buffers():
            b = self.pick(self.buffers())
            self.emit(self.maybe_branch(self.slice_write(b), b), {}, (b,))

    def slice_write(self, b: str) -> list[str]:
        """``b[index] = expr`` (or ``+=``, ``-=``, ``*=``) outside loops: an element, row, column or slice."""
        shape = self.values[b].shape
        index = self.draw(
            st.sampled_from([i for i in index_reads(shape) if "None" not in i and "][" not in i])
        )
        slot = np.empty(shape)[eval(f"np.s_{index}")].shape  # the shape of `b{index}` (an index literal)
        sources = self.readable(lambda v: assignable(v.shape, slot) and v.shape != ())
        value = self.pick(sources) if sources and self.draw(st.booleans()) else self.scalar()
        op = self.draw(st.sampled_from(["=", "=", "=", "+=", "-=", "*="]))
        forms = ["{v}", "np.tanh({v})", "0.5 * {v} + {c}", "np.sin({v}) * {c}", "0.9 * {t} + 0.1 * {v}"]
        old = f"{b}{index}"
        text = self.draw(st.sampled_from([*forms, "np.cos({t}) * 0.5"])).format(
            v=value, t=old, c=self.const()
        )
        return [f"    {b}{index} {op} {self.const(0.5, 1.2) if op == '*=' else text}"]

    def stmt_timestep(self) -> None:
        """Time stepping: ``for t in range(2): new = ...; <a loop writing new, reading b>; b = new``.

        srcdiff refuses it when b is written after the loop, or the loop returns early (corpus:
        timestep_with_early_return, made_in_loop_written_after): unless `known_bugs`, the loop
        does not return, and b is not written afterwards."""
        names = self.buffers()
        if not names:
            return
        b = self.pick(names)
        shape = self.values[b].shape
        new, t = self.name("b"), self.name("t")
        self.values[new] = Value(shape, buffer=True)
        self.frozen = set() if self.known_bugs else {b}  # nor written inside the loop
        try:
            loop, written = self.write_loop(new, fill=False, returns=self.known_bugs)
        finally:
            del self.values[new]
            self.frozen = set()
        make = self.draw(st.sampled_from([f"np.zeros({spell(shape)})", f"np.zeros_like({b})", f"{b}.copy()"]))
        steps = self.draw(st.sampled_from(["2", "3"] + ["n"] * self.has_n))
        lines = [f"    for {t} in range({steps}):", f"        {new} = {make}"]
        lines += ["    " + line for line in loop] + [f"        {b} = {new}"]
        rebound = Value(shape, buffer=self.known_bugs)
        if self.emit(lines, {b: rebound}, tuple(w for w in written if w != new)):
            for v in self.values.values():  # views of the array b named before the loop: not written again
                v.base = None if v.base == b else v.base

    # ------------------------------------------------------------ probes of documented refusals

    def stmt_probe(self) -> None:
        """Write into a parameter or a view, or bind an alias of a buffer (then a loop may write it)."""
        kind = self.draw(st.sampled_from(["parameter", "view", "alias"]))
        params = [k for k, v in self.values.items() if k.startswith("x") and v.shape]
        if kind == "parameter" and params:
            x = self.pick(params)
            index = self.draw(st.sampled_from(index_reads(self.values[x].shape)[:3]))
            if self.emit([f"    {x}{index} = {self.const()}"], {}, (x,)):
                self.probes.add(kind)
        elif kind == "view" and self.buffers():
            b, v = self.pick(self.buffers()), self.name("v")
            if self.emit([f"    {v} = {b}[1:]", f"    {v}[0] = {self.scalar()}"], {}, (b,)):
                self.probes.add(kind)
        elif kind == "alias" and self.buffers():
            b, v = self.pick(self.buffers()), self.name("alias")
            if self.emit([f"    {v} = {b}"], {v: Value(self.values[b].shape, base=b, alias=True)}):
                self.probes.add(kind)


@st.composite
def programs(draw, known_bugs: bool = False, probes: bool = True) -> Program:
    """A random program over arrays, and the arguments to check it at."""
    shapes = draw(st.lists(st.sampled_from(PARAM_SHAPES), min_size=1, max_size=3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    params: dict = {f"x{k}": rng.integers(-1000, 1001, s) / 1000.0 for k, s in enumerate(shapes)}
    for k in range(len(shapes)):  # now and then a float32 argument, among float64 ones
        params[f"x{k}"] = params[f"x{k}"].astype(np.float32 if draw(st.integers(0, 9)) == 7 else np.float64)
    if draw(st.booleans()):
        params["w"] = draw(st.integers(-150, 150)) / 100.0
    if draw(st.booleans()):
        params["n"] = draw(st.integers(1, 3))
    gen = Generator(draw, params, known_bugs)
    gen.stale_ok = known_bugs or (probes and draw(st.integers(0, 19)) == 7)
    kinds = ["expr"] * 3 + ["buffer"] + ["loop"] * 3 + ["slice_write"] * 2 + ["timestep", "carried"]
    for _ in range(draw(st.integers(2, 10))):
        if gen.returned:
            break
        kind = draw(st.sampled_from(kinds if gen.buffers() else ["expr", "buffer", "buffer", "carried"]))
        getattr(gen, f"stmt_{kind}")()
    if probes and not gen.returned and draw(st.integers(0, 19)) == 7:
        gen.stmt_probe()
        gen.stmt_loop()
    return finish(draw, gen, params)


def finish(draw, gen: Generator, params: dict) -> Program:
    """Return a float: the newest value, every buffer and maybe two more values, through smooth maps."""
    readable = gen.readable()
    chosen = [readable[-1], *[k for k in gen.buffers() if k in readable]]
    chosen += draw(st.lists(st.sampled_from(readable), max_size=2, unique=True))
    forms = ["np.sum({v})", "np.sum(np.tanh({v}) * {v})", "np.sum({v} * {v})", "np.sum(np.sin({v}))"]
    terms = [draw(st.sampled_from(forms)).format(v=v) for v in dict.fromkeys(chosen)]
    gen.stale_views += gen.stale_reads(terms, ())
    body = "\n".join(gen.lines)
    text = f"\n\ndef program({', '.join(params)}):\n{body}\n    return {' + '.join(terms)}\n"
    args = tuple(params.values())
    wrt = tuple(k for k, a in enumerate(args) if not isinstance(a, int))
    source, instrumented = PRELUDE + render(text), PRELUDE + INSTRUMENTS + render(text, instrumented=True)
    return Program(source, instrumented, args, wrt, frozenset(gen.probes), gen.stale_views)
