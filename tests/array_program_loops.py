"""Loops that write a buffer, for tests/array_program_gen.py: headers, bodies, the writes and what they read.

`LoopWriter` is the half of `array_program_gen.Generator` that draws a loop writing one
buffer (by element, row, row slice, column, or element of a 2-D buffer in nested loops),
with the reads it may make at its counters, its neighbours (``b[i - 1]``), a loop-carried
float, conditions, ``break``, early ``return`` and a second buffer written alongside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

LITERAL = re.compile(r"-?[\d.]+")


@dataclass
class Loop:
    """What a loop body writes and may read: counters with their (first, last) values and more."""

    buffer: str
    layout: str  # "elements" (1-D), "rows", "columns" or "nested" (2-D)
    counters: dict = field(default_factory=dict)
    offsets: dict = field(default_factory=dict)  # counter → -1 or +1: b[i - 1] or b[i + 1] is in range
    carried: str | None = None  # a loop-carried float
    fill: bool = False  # the buffer is np.empty: read none of it
    suffix: str = ""  # after the row index: "", ", :" or ", 1:3"
    second: str | None = None  # another buffer written at the counters
    returns: bool = True  # the body may return early

    @property
    def elementwise(self) -> bool:
        return self.layout in ("elements", "nested")


def assignable(source: tuple, target: tuple) -> bool:
    """Whether ``t[...] = s`` works for a value of shape `source` into a slot of shape `target`."""
    try:
        return np.broadcast_shapes(source, target) == target
    except ValueError:
        return False


class LoopWriter:
    """Draws loops; the generator provides `draw`, `values`, `name`, `scalar`, `readable`, ..."""

    def header(self, length: str, size: int, counter: str, fill: bool) -> tuple[list[str], int, int, int]:
        """Lines opening a loop over `size` positions; the counter's first and last value; a safe offset."""
        kinds = (
            ["range"] if fill else ["range", "range", "from1", "down", "step", "while"] + ["n"] * self.has_n
        )
        return {
            "range": ([f"for {counter} in range({length}):"], 0, size - 1, 0),
            "from1": ([f"for {counter} in range(1, {length}):"], 1, size - 1, -1),
            "down": ([f"for {counter} in range({length} - 2, -1, -1):"], 0, size - 2, 1),
            "step": ([f"for {counter} in range(0, {length}, 2):"], 0, size - 1, 0),
            "n": ([f"for {counter} in range(n):"], 0, 2, 0),
            "while": ([f"{counter} = 0", f"while {counter} < {length}:"], 0, size - 1, 0),
        }[self.draw(st.sampled_from(kinds))]

    def write_loop(self, b: str, fill: bool, returns: bool = True) -> tuple[list[str], tuple]:
        """A loop writing `b` by element (1-D) or by row, column or element (2-D); `fill`: each once;
        `returns`: the body may return early. Returns its lines and the buffers it writes."""
        shape = self.values[b].shape
        layout = "elements" if len(shape) == 1 else self.draw(st.sampled_from(["rows", "columns", "nested"]))
        loop = Loop(b, layout, fill=fill, returns=returns)
        loop.suffix = self.draw(st.sampled_from(["", "", ", :", ", 1:3"])) if layout == "rows" else ""
        dims = [1 if layout == "columns" else 0] + ([1] if layout == "nested" else [])
        lines, closing = [], []
        for depth, dim in enumerate(dims, start=1):
            counter = self.name("j" if depth == 2 else "i")
            spellings = [str(shape[dim]), f"{b}.shape[{dim}]"] + ([f"len({b})"] if dim == 0 else [])
            head, first, last, offset = self.header(
                self.draw(st.sampled_from(spellings)), shape[dim], counter, fill
            )
            lines += ["    " * depth + line for line in head]
            loop.counters[counter] = (first, last)
            loop.offsets.update({counter: offset} if offset else {})
            closing.insert(0, ["    " * (depth + 1) + f"{counter} += 1"] if "while" in head[-1] else [])
        if not fill and self.draw(st.booleans()):
            loop.carried = self.name("s")
            lines.insert(0, f"    {loop.carried} = {self.scalar()}")
        loop.second = self.second_buffer(loop) if not fill and self.draw(st.integers(0, 3)) == 3 else None
        self.writing = {b, loop.second} - {None}
        try:
            body = self.loop_body(loop, "    " * (len(dims) + 1))
        finally:
            self.writing = set()
        # the innermost counter's increment ends its body, before the outer counter's
        return lines + body + [line for block in closing for line in block], tuple({b, loop.second} - {None})

    def second_buffer(self, loop: Loop) -> str | None:
        """Another buffer the loop can write at its counters too."""
        lasts = [last for _, last in loop.counters.values()]
        others = [
            k
            for k in self.buffers()
            if k != loop.buffer
            and k not in self.frozen
            and loop.elementwise
            and len(self.values[k].shape) == len(lasts)
            and all(n > last for n, last in zip(self.values[k].shape, lasts))
        ]
        return self.pick(others) if others else None

    def target(self, loop: Loop) -> str:
        b, counters = loop.buffer, list(loop.counters)
        if loop.layout == "nested":
            return self.draw(
                st.sampled_from([f"{b}[{counters[0]}, {counters[1]}]", f"{b}[{counters[0]}][{counters[1]}]"])
            )
        return f"{b}[:, {counters[0]}]" if loop.layout == "columns" else f"{b}[{counters[0]}{loop.suffix}]"

    def loop_body(self, loop: Loop, pad: str) -> list[str]:
        lines = [pad + self.write(loop)]
        kinds = [
            "write",
            "cond",
            "cond",
            "carried",
            "sweep",
            "histogram",
            "break",
            "return",
            "second",
            "second",
        ]
        for _ in range(0 if loop.fill else self.draw(st.integers(0, 2))):
            kind = self.draw(st.sampled_from(kinds))
            if kind == "write":
                lines.append(pad + self.write(loop))
            elif kind == "cond":
                lines += [pad + f"if {self.condition(loop)}:", pad + "    " + self.write(loop)]
                lines += [pad + "else:", pad + "    " + self.write(loop)] if self.draw(st.booleans()) else []
            elif kind in ("carried", "sweep") and loop.carried:
                lines.append(pad + f"{loop.carried} = " + self.carried_update(loop, kind == "sweep"))
            elif kind == "histogram" and loop.layout == "elements":
                i, k = next(iter(loop.counters)), self.draw(st.integers(1, self.values[loop.buffer].shape[0]))
                lines.append(pad + f"{loop.buffer}[{i} % {k}] += 0.3 * math.tanh({self.element_expr(loop)})")
            elif kind == "break" or (kind == "return" and loop.returns):
                leave = (
                    "break" if kind == "break" else f"return np.sum(np.tanh({loop.buffer}) * {loop.buffer})"
                )
                lines += [pad + f"if {self.condition(loop)}:", pad + "    " + leave]
            elif kind == "second" and loop.second:
                at = ", ".join(loop.counters)
                op = self.draw(st.sampled_from(["=", "+="]))
                lines.append(pad + f"{loop.second}[{at}] {op} math.tanh({self.element_expr(loop)})")
        return lines

    def carried_update(self, loop: Loop, sweep: bool) -> str:
        """A new value for the loop-carried float; a `sweep` reads the whole buffer being written."""
        s, b = loop.carried, loop.buffer
        if sweep:
            forms = ["0.9 * {s} + 0.1 * np.sum(np.tanh({b}))", "{s} + 0.1 * np.tanh(np.sum({b} * {b}))"]
            return self.draw(st.sampled_from([*forms, "{s} + 0.1 * np.mean(np.sin({b}))"])).format(s=s, b=b)
        e = self.element_expr(loop)
        return self.draw(st.sampled_from([f"0.5 * {s} + 0.4 * math.cos({e})", f"{s} + 0.1 * math.sin({e})"]))

    def condition(self, loop: Loop) -> str:
        i = self.draw(st.sampled_from(list(loop.counters)))
        if self.draw(st.booleans()):
            k = self.draw(st.integers(0, 3))
            return self.draw(st.sampled_from([f"{i} % 2 == 0", f"{i} > {k}", f"{i} == {k}", f"{i} <= {k}"]))
        return f"⟦gt:{self.scalar_atom(loop, varying=True)};{self.const()}⟧"

    def write(self, loop: Loop) -> str:
        """One write into the loop's target: bounded forms of its old value, neighbours and other arrays."""
        target = self.target(loop)
        e = self.element_expr(loop) if loop.elementwise else self.vector_expr(loop)
        fn = "math" if loop.elementwise else "np"
        forms = [e, f"{fn}.tanh({e})"]
        olds = [] if loop.fill else [target, *self.neighbours(loop)]
        if olds:
            forms += [f"0.5 * {{t}} + 0.4 * {fn}.cos({e})", f"{{t}} + 0.1 * {fn}.sin({e})"]
            forms += [f"+= 0.3 * {fn}.tanh({e})", f"-= 0.2 * {fn}.sin({e})", f"*= {self.const(0.5, 1.1)}"]
            forms += [f"⟦smax:{{t}};{e}⟧"] if loop.elementwise else []
        form = self.draw(st.sampled_from(forms)).format(t=self.draw(st.sampled_from(olds)) if olds else "")
        return f"{target} {form}" if form[:2] in ("+=", "-=", "*=") else f"{target} = {form}"

    def neighbours(self, loop: Loop) -> list[str]:
        """``b[i - 1]``-style reads that the loop's bounds keep in range."""
        b, counters, out = loop.buffer, list(loop.counters), []
        for c, offset in loop.offsets.items():
            shifted = f"{c} - 1" if offset < 0 else f"{c} + 1"
            if loop.layout == "nested":
                out.append(
                    f"{b}[{shifted}, {counters[1]}]" if c == counters[0] else f"{b}[{counters[0]}, {shifted}]"
                )
            else:
                out.append(
                    f"{b}[:, {shifted}]" if loop.layout == "columns" else f"{b}[{shifted}{loop.suffix}]"
                )
        return out

    def scalar_atom(self, loop: Loop, varying: bool = False) -> str:
        """A float a loop body can read: an element at the counters, a scalar, a counter, the carried one."""
        atoms = [self.scalar(), *[f"0.25 * {i}" for i in loop.counters]] + (
            [loop.carried] if loop.carried else []
        )
        counters = list(loop.counters)
        for name in self.readable(lambda v: v.shape != ()):
            shape = self.values[name].shape
            for c, (_, last) in loop.counters.items():
                if len(shape) == 1 and shape[0] > last:
                    atoms.append(f"{name}[{c}]")
                if len(shape) == 2 and shape[0] > last:
                    atoms.append(f"{name}[{c}, {shape[1] - 1}]")
            if len(shape) == 2 and len(counters) == 2:
                (i, (_, last_i)), (j, (_, last_j)) = loop.counters.items()
                if shape[0] > last_i and shape[1] > last_j:
                    atoms.append(f"{name}[{i}, {j}]")
        if loop.elementwise and not loop.fill:
            atoms += [self.target(loop)] * 2 + self.neighbours(loop)
        if varying:
            atoms = [a for a in atoms if not LITERAL.fullmatch(a)] or atoms
        return self.draw(st.sampled_from(atoms))

    def element_expr(self, loop: Loop) -> str:
        a, c = self.scalar_atom(loop), self.scalar_atom(loop)
        forms = ["{k} * {a} + {c}", "{a} * {c}", "{a} - {k} * {c}", "{a}", "math.sin({a}) * {c}"]
        return self.draw(st.sampled_from(forms)).format(a=a, c=c, k=self.const(0.25, 1.5))

    def vector_expr(self, loop: Loop) -> str:
        """A row (for ``b[i] = ...``) or a column (``b[:, j] = ...``) of the right length, or a float."""
        (i,) = loop.counters
        rows, cols = self.values[loop.buffer].shape
        want = (rows,) if loop.layout == "columns" else (2,) if loop.suffix == ", 1:3" else (cols,)
        atoms = [self.scalar(), f"0.25 * {i}"] + ([loop.carried] if loop.carried else [])
        atoms += [] if loop.fill else [self.target(loop), *self.neighbours(loop)]
        atoms += self.readable(lambda v: assignable(v.shape, want) and v.shape != ())
        last = loop.counters[i][1]
        for name in self.readable(lambda v: len(v.shape) == 2):
            r, c = self.values[name].shape
            if loop.layout == "rows" and r > last and c == cols:
                atoms.append(f"{name}[{i}{loop.suffix}]")
            if loop.layout == "columns" and c > last and r == rows:
                atoms.append(f"{name}[:, {i}]")
        a, c = self.draw(st.sampled_from(atoms)), self.draw(st.sampled_from(atoms))
        forms = ["{k} * {a} + {c}", "{a} * {c}", "{a} - {k} * {c}", "np.sin({a}) * {c}"]
        return self.draw(st.sampled_from(forms)).format(a=a, c=c, k=self.const(0.25, 1.5))
