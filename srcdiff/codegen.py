"""Codegen: an `Adjoint` → the source text of a Python module.

Consumes the primal (forward pass) and the reverse block; produces a `Module`:
source text printed with `ast.unparse`, the names of its entry points, and the
external functions (users' functions with custom rules) the backend must bind.
One statement per line; single-use temporaries are folded back into the
expression that reads them, so the forward pass reads like the user's code and
each reverse statement like one step of the chain rule. Deterministic: the same
input gives byte-identical text.
"""

from __future__ import annotations

import ast
import inspect
import math
import operator
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from . import __version__, ir, runtime
from .ir import Op, Var
from .reverse import Adjoint
from .types import Array


@dataclass(frozen=True)
class Module:
    """Generated source and what running it needs."""

    source: str
    entry: str  # the name of the generated function
    externals: dict  # name in the source → the user's function it calls
    locs: dict  # line number in `source` → the user's Loc it came from
    cotangent: object = None  # for a vector-Jacobian product: the type of its last parameter


def emit_value_and_grad(adjoint: Adjoint, origin: str, signature: str, seeded: bool = False) -> Module:
    """A module with one function returning ``(value, (d_wrt0, d_wrt1, ...))``.

    `seeded`: the function (``<name>_vjp``) takes the output's adjoint, the cotangent, as
    a last parameter, instead of starting from 1.0: a vector-Jacobian product.
    """
    func = adjoint.primal.func
    externals = Externals(func.params, adjoint.forward, adjoint.reverse)
    entry = f"{func.name}_vjp" if seeded else f"{func.name}_value_and_grad"
    blocks = (adjoint.forward, adjoint.reverse)
    names = coalesce(adjoint.forward)
    inline = inlinable(blocks, adjoint.active, names) - set(func.body.yields if seeded else ())
    printer = Printer(externals, inline, names, adjoint.primal.types)  # a vjp checks its output's shape
    wrt = ", ".join(p.name for p in adjoint.wrt)
    params = [p.name for p in func.params] + [adjoint.seed.name] * seeded
    what = f"its vector-Jacobian product with {adjoint.seed.name}" if seeded else "its gradient"
    kept = kept_value_name(adjoint, printer) if seeded and restored_in_reverse(adjoint, printer) else None
    lines = [
        f"def {entry}({', '.join(params)}):",
        f'    """Value of {func.name} and {what} with respect to ({wrt})."""',
        "    # forward pass",
        *printer.block(adjoint.forward, 1),
        "    # reverse pass",
        *seed_lines(adjoint, printer, seeded, kept),
        *printer.block(adjoint.reverse, 1),
    ]
    value = printer.operand(func.body.yields[0])  # after the blocks: a yield may be an inlined temporary
    value = ast.Name(kept, ast.Load()) if kept else value  # seed_lines copied it
    grads = [printer.operand(g) for g in adjoint.reverse.yields]
    grads = [in_dtype_of(p, g, adjoint.primal.types) for p, g in zip(adjoint.wrt, grads)]
    grads = ast.Tuple(grads, ast.Load())
    lines.append(f"    return {ast.unparse(ast.Tuple([value, grads], ast.Load()))}")
    arrays = {printer.name(v) for v, t in adjoint.primal.types.items() if isinstance(t, Array)}
    lines = without_numba_name_clashes(lines, arrays | adjoint.array_adjoints, {p.name for p in func.params})
    source, locs = module_text(origin, signature, externals, lines)
    output_type = adjoint.primal[func.body.yields[0]]
    return Module(source, entry, externals.functions, locs, output_type if seeded else None)


def seed_lines(adjoint: Adjoint, printer: Printer, seeded: bool, kept: str | None) -> list:
    """The output's adjoint: 1.0, or the cotangent, checked against the output and copied
    (the reverse pass writes into it, and the caller's array must stay as it was); and
    the output copied to `kept` if the reverse pass restores elements of it."""
    seed = adjoint.seed.name
    if not seeded:
        return [f"    {seed} = 1.0"]
    output = adjoint.primal.func.body.yields[0]
    if not isinstance(adjoint.primal[output], Array):
        return []
    value = printer.name(output)
    return [
        f"    if np.shape({seed}) != np.shape({value}):",
        f'        raise ValueError("{COTANGENT_SHAPE}")',
        f"    {seed} = np.copy({seed})",
        *([f"    {kept} = np.copy({value})"] if kept else []),
    ]


def kept_value_name(adjoint: Adjoint, printer: Printer) -> str:
    """``out_value``: a name for the output's copy that no value of the function has."""
    taken = {p.name for p in adjoint.primal.func.params}
    for block in (adjoint.forward, adjoint.reverse):
        for stmt in ir.walk(block):
            taken.update(printer.name(v) for v in ir.defined_by(stmt) if v is not None)
            taken.update(printer.name(a) for region in ir.regions(stmt) for a in region.args)
    name = f"{printer.name(adjoint.primal.func.body.yields[0])}_value"
    while name in taken:
        name += "_"
    return name


def restored_in_reverse(adjoint: Adjoint, printer: Printer) -> bool:
    """Whether the reverse pass puts back overwritten elements of the output array: then the
    value a vjp returns is a copy taken before it."""
    output = adjoint.primal.func.body.yields[0]
    if not isinstance(output, Var):
        return False
    output = printer.name(output)
    stores = (op for op in ir.ops_in(adjoint.reverse) if op.fn is runtime.store)
    return any(printer.name(op.args[0]) == output for op in stores)


COTANGENT_SHAPE = "srcdiff: the cotangent's shape differs from the output's"


def in_dtype_of(param: Var, grad: ast.expr, types: dict) -> ast.expr:
    """A float32 array's gradient is float32, as the array is (the reverse pass may promote)."""
    t = types.get(param)
    if isinstance(t, Array) and t.dtype == "float32":
        return ast.Call(ast.Attribute(grad, "astype", ast.Load()), [dotted("np.float32")], [])
    return grad


def without_numba_name_clashes(lines: list, arrays: set, params: set) -> list:
    """Rename ``x_1`` where numba would mistake it for a version of ``x`` (numba 0.68).

    numba calls the versions of a name assigned twice ``x.1``, ``x.2``, ... and, when it
    fuses an array expression, spells its operands ``x.1`` and ``x_1`` both as ``x_1_1``
    and stops with "'x_1_1' not unique". So an ``x_k`` read in an array statement with
    ``x``, where ``x`` is assigned more than once, becomes ``xk``.
    """
    tree = ast.parse("\n".join(lines))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    stores = Counter(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    augmented = (s.target for s in ast.walk(tree) if isinstance(s, ast.AugAssign))
    stores.update(t.id for t in augmented if isinstance(t, ast.Name))  # x += ... assigns x again
    renames: dict = {}
    for stmt in ast.walk(tree):
        if not isinstance(stmt, (ast.Assign, ast.AugAssign)):
            continue
        used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
        if not used & arrays:
            continue  # numba fuses only statements with arrays
        for name in sorted(used - params - set(renames)):
            base, _, number = name.rpartition("_")
            if number.isdigit() and base in used and stores[base] > 1:
                new = f"{base}{number}"
                while new in names:
                    new += "_"
                renames[name] = new
                names.add(new)
    for old, new in renames.items():
        pattern = re.compile(rf"\b{old}\b")
        lines = [Line.at(pattern.sub(new, line), getattr(line, "loc", None)) for line in lines]
    return lines


def module_text(origin: str, signature: str, externals: Externals, body: list) -> tuple[str, dict]:
    """The module's text, and the user's location behind each generated line that has one."""
    header = [
        f'"""Generated by srcdiff {__version__} from {origin}.',
        "",
        f"Argument types: {signature}. Regenerated on demand; do not edit.",
        '"""',
        "",
        "import math",
        "",
        "import numpy as np",
    ]
    if externals.functions:
        header.append("")
    for name, fn in externals.functions.items():
        header.append(f"# {name}: {describe_external(fn)}, bound by srcdiff when this module is loaded")
    lines = [*header, "", "", *body]
    locs = {n: line.loc for n, line in enumerate(lines, start=1) if getattr(line, "loc", None)}
    return "\n".join(lines) + "\n", locs


class Line(str):
    """A line of generated code that remembers the user's line it came from."""

    loc = None

    @classmethod
    def at(cls, text: str, loc) -> Line:
        line = cls(text)
        line.loc = loc
        return line


def describe_external(fn) -> str:
    fn = getattr(fn, "py_func", fn)
    if (getattr(fn, "__module__", None) or "").startswith("srcdiff."):
        return f"{fn.__module__}.{fn.__qualname__}"
    try:
        file, line = inspect.getsourcefile(fn), inspect.getsourcelines(fn)[1]
        return f"{fn.__module__}.{fn.__qualname__} ({file}:{line})"
    except (OSError, TypeError):
        return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"


class Externals:
    """Names for the non-library functions the generated code calls."""

    def __init__(self, params: tuple, *blocks: ir.Block):
        ops = [op for block in blocks for op in ir.ops_in(block)]
        taken = {p.name for p in params} | {op.result.name for op in ops if op.result is not None}
        self.functions: dict = {}
        self.names: dict = {}
        for fn in (fn for op in ops for fn in PRINTED_CALLS.get(op.fn, (op.fn,))):
            if is_external(fn) and fn not in self.names:
                name = fn.__name__
                while name in taken:
                    name += "_fn"
                taken.add(name)
                self.names[fn] = name
                self.functions[name] = fn


# Ops printed as statements that call these helpers instead of the op's own function.
PRINTED_CALLS = {runtime.push: (runtime.grown,), runtime.push_array: (runtime.grown_for,)}


def is_external(fn) -> bool:
    return fn is not ir.COPY and not (
        fn in ir.BINARY_SYMBOLS
        or fn in ir.COMPARE_SYMBOLS
        or fn in ir.UNARY_SYMBOLS
        or fn
        in (
            operator.and_,
            operator.getitem,
            operator.setitem,
            runtime.add_at,
            runtime.store,
            runtime.dim,
            runtime.ndim,
        )
        or "." in ir.qualified_name(fn)
        or getattr(fn, "__module__", None) == "builtins"
    )


# ---------------------------------------------------------------- names and folding


def coalesce(forward: ir.Block) -> dict:
    """Print a loop's new value under its carried name when that is safe, saving a copy.

    In ``for ...: x_2 = x_1 * 2`` (carried ``x_1``), ``x_2`` can be printed as ``x_1``
    if nothing reads ``x_1`` after ``x_2`` is computed: ``x_1 = x_1 * 2``.
    """
    names: dict = {}
    for stmt in ir.walk(forward):
        if not isinstance(stmt, (ir.For, ir.While)):
            continue
        body = stmt.body
        position = {op.result: i for i, op in enumerate(body.ops) if isinstance(op, Op)}
        for j, (arg, value) in enumerate(zip(body.args, body.yields)):
            if value not in position or list(body.yields).count(value) != 1 or value in names:
                continue
            later = body.ops[position[value] + 1 :]
            others = [y for i, y in enumerate(body.yields) if i != j]
            if arg not in reads_of(later) and arg not in others:
                names[value] = arg.name
    return names


def reads_of(stmts: list) -> set:
    """Values the statements read, their regions included."""
    values = set()
    for stmt in stmts:
        values.update(a for a in ir.operands(stmt) if isinstance(a, Var))
        for region in ir.regions(stmt):
            values |= reads_of(region.ops) | {y for y in region.yields if isinstance(y, Var)}
    return values


def assigned_names(stmt, names: dict) -> set:
    """Printed names a statement assigns, its regions and φ copies included."""
    out = {names.get(v, v.name) for v in ir.defined_by(stmt) if v is not None}
    if isinstance(stmt, ir.For):
        out.add(stmt.index.name)
    for region in ir.regions(stmt):
        out |= {names.get(a, a.name) for a in region.args}
        for inner in region.ops:
            out |= assigned_names(inner, names)
    return out


def inlinable(blocks: tuple, visible: frozenset, names: dict) -> set:
    """Temporaries read once, later in their own block, with nothing they read reassigned in between.

    Primal values in `visible` (those with an adjoint) keep their own line, so each
    ``d_t`` in the reverse pass has a ``t`` in the forward pass.
    """
    uses: Counter = Counter()
    for block in blocks:
        for stmt in ir.walk(block):
            uses.update(a for a in ir.operands(stmt) if isinstance(a, Var))
            skip = stmt.cond if is_choice(stmt) else None  # `c and x` yields c again: printed once
            for region in ir.regions(stmt):
                uses.update(y for y in region.yields if isinstance(y, Var) and y is not skip)
        uses.update(y for y in block.yields if isinstance(y, Var))
    chosen: set = set()
    reads: dict = {}
    for block in blocks:
        choose_in(block, uses, visible, names, chosen, reads)
    choices = [s for block in blocks for s in ir.walk(block) if is_choice(s)]
    changed = True
    while changed:  # a `c and x` kept as a statement copies c, so c needs a name of its own
        changed = False
        for stmt in choices:
            kept = stmt.results[0] not in chosen and stmt.cond in chosen
            if kept and stmt.cond in stmt.then.yields + stmt.orelse.yields:
                chosen.discard(stmt.cond)
                changed = True
    return chosen


def choose_in(block: ir.Block, uses: Counter, visible, names: dict, chosen: set, reads: dict) -> None:
    position = {s.result: i for i, s in enumerate(block.ops) if isinstance(s, Op) and s.result is not None}

    def consider(a, j: int) -> None:
        if not (isinstance(a, Var) and a.kind == ir.TEMP and uses[a] == 1 and a in position):
            return
        if a in visible or a in names:
            return
        between = block.ops[position[a] + 1 : j]
        if not any(assigned_names(s, names) & reads[a] for s in between):
            chosen.add(a)

    for j, stmt in enumerate(block.ops):
        for a in ir.operands(stmt):
            consider(a, j)
        if isinstance(stmt, Op) and stmt.result is not None:
            reads[stmt.result] = {names.get(a, a.name) for a in stmt.args if isinstance(a, Var)}.union(
                *(reads[a] for a in stmt.args if a in chosen)
            )
        for region in ir.regions(stmt):
            choose_in(region, uses, visible, names, chosen, reads)
        if is_choice(stmt) and all(op in chosen_ops(chosen) for r in ir.regions(stmt) for op in r.ops):
            (result,) = stmt.results  # an expression: `a if c else b`, `c and x`, `c or x`
            position[result] = j
            operands = [stmt.cond, *stmt.then.yields, *stmt.orelse.yields]
            reads[result] = {names.get(a, a.name) for a in operands if isinstance(a, Var)}.union(
                *(reads[a] for a in operands if a in chosen)
            )
    for y in block.yields:
        consider(y, len(block.ops))


def is_choice(stmt) -> bool:
    """An `If` the SSA builder made from an expression: one temporary result."""
    return isinstance(stmt, ir.If) and len(stmt.results) == 1 and stmt.results[0].kind == ir.TEMP


class chosen_ops:
    """Membership test "this op is folded into its reader" for the ops of a region."""

    def __init__(self, chosen: set):
        self.chosen = chosen

    def __contains__(self, op) -> bool:
        return isinstance(op, Op) and op.result in self.chosen


class Printer:
    """Turns statements into indented Python lines, folding in the chosen temporaries."""

    def __init__(self, externals: Externals, inline: set, names: dict, types: dict):
        self.externals = externals
        self.inline = inline
        self.names = names
        self.types = types
        self.pending: dict = {}
        # A value the reverse pass recomputes is a new Var under the forward value's name.
        self.types_by_name = {self.name(v): t for v, t in types.items() if isinstance(v, Var)}

    def name(self, var: Var) -> str:
        return self.names.get(var, var.name)

    def type_of(self, operand):
        """The primal type of `operand`, None for an adjoint or a constant."""
        if not isinstance(operand, Var):
            return None
        return self.types.get(operand) or self.types_by_name.get(self.name(operand))

    # ------------------------------------------------------------ statements

    def block(self, block: ir.Block, depth: int) -> list:
        lines = []
        for stmt in block.ops:
            lines += self.statement(stmt, depth)
        return lines

    def statement(self, stmt, depth: int) -> list:
        lines = self.statement_lines(stmt, depth)
        if lines and getattr(stmt, "loc", None):
            lines[0] = Line.at(lines[0], stmt.loc)
        return lines

    def statement_lines(self, stmt, depth: int) -> list:
        pad = "    " * depth
        if isinstance(stmt, Op) and stmt.fn is operator.setitem:  # tape[k] = value
            target, index, item = (self.operand(a) for a in stmt.args)
            return [
                pad + ast.unparse(ast.Assign([ast.Subscript(target, index, ast.Store())], item, lineno=0))
            ]
        if isinstance(stmt, Op) and stmt.fn in PRINTED_CALLS:  # tape[k] = value, growing the tape if full
            tape, k, value = (ast.unparse(self.operand(a)) for a in stmt.args)
            (helper,) = PRINTED_CALLS[stmt.fn]
            shape_of = f", {value}" if helper is runtime.grown_for else ""
            grow = f"{self.externals.names[helper]}({tape}, {k}{shape_of})"
            return [
                f"{pad}if {k} >= {tape}.shape[0]:",
                f"{pad}    {tape} = {grow}",
                f"{pad}{tape}[{k}] = {value}",
            ]
        if isinstance(stmt, Op) and stmt.fn is runtime.store:  # x[index] = value, in place
            target, *index, item = (self.operand(a) for a in stmt.args)
            subscript = ast.Subscript(target, index_expr(index, pattern_of(stmt)), ast.Store())
            return [pad + ast.unparse(ast.Assign([subscript], item, lineno=0))]
        if isinstance(stmt, Op) and stmt.fn is runtime.add_at:  # d_x[index] += value
            target, *index, item = (self.operand(a) for a in stmt.args)
            subscript = ast.Subscript(target, index_expr(index, pattern_of(stmt)), ast.Store())
            return [pad + ast.unparse(ast.AugAssign(subscript, ast.Add(), item))]
        if isinstance(stmt, Op) and stmt.result is None:  # a helper that writes into its first argument
            return [pad + ast.unparse(ast.Expr(self.op_expr(stmt)))]
        if isinstance(stmt, Op):
            value = self.op_expr(stmt)
            if stmt.result in self.inline:
                self.pending[stmt.result] = value
                return []
            return [pad + ast.unparse(self.assignment(stmt, value))]
        if isinstance(stmt, ir.If) and stmt.results and stmt.results[0] in self.inline:
            self.pending[stmt.results[0]] = self.choice_expr(stmt)
            return []
        if isinstance(stmt, ir.If):
            return self.if_lines(stmt, depth)
        return self.loop_lines(stmt, depth)

    def choice_expr(self, stmt: ir.If) -> ast.expr:
        """``c and x`` (the else branch yields c), ``c or x`` (the then branch does), or ``x if c else y``."""
        cond = self.operand(stmt.cond)
        (then_value,), (else_value,) = stmt.then.yields, stmt.orelse.yields
        self.block(stmt.then, 0)
        then_expr = None if then_value is stmt.cond else self.operand(then_value)
        self.block(stmt.orelse, 0)
        else_expr = None if else_value is stmt.cond else self.operand(else_value)
        if else_expr is None:
            return ast.BoolOp(ast.And(), [cond, then_expr])
        if then_expr is None:
            return ast.BoolOp(ast.Or(), [cond, else_expr])
        return ast.IfExp(cond, then_expr, else_expr)

    def if_lines(self, stmt: ir.If, depth: int) -> list:
        pad = "    " * depth
        lines = [f"{pad}if {ast.unparse(self.operand(stmt.cond))}:"]
        then = self.block(stmt.then, depth + 1) + self.copies(stmt.results, stmt.then.yields, depth + 1)
        orelse = self.block(stmt.orelse, depth + 1) + self.copies(stmt.results, stmt.orelse.yields, depth + 1)
        lines += then or [pad + "    pass"]
        if orelse:
            lines += [f"{pad}else:", *orelse]
        return lines

    def loop_lines(self, stmt, depth: int) -> list:
        pad = "    " * depth
        body = stmt.body
        lines = self.copies(body.args, stmt.inits, depth)
        if isinstance(stmt, ir.For):
            lines.append(f"{pad}for {stmt.index.name} in {ast.unparse(self.range_expr(stmt))}:")
        else:
            test = self.block(stmt.test, depth + 1)
            cond = self.operand(stmt.test.yields[0])
            if test:
                stop = ast.unparse(ast.UnaryOp(ast.Not(), cond))  # parenthesized as needed
                lines += [f"{pad}while True:", *test, f"{pad}    if {stop}:", f"{pad}        break"]
            else:
                lines.append(f"{pad}while {ast.unparse(cond)}:")
        inner = self.block(body, depth + 1) + self.copies(body.args, body.yields, depth + 1)
        lines += inner or [pad + "    pass"]
        return lines + self.copies(stmt.results, body.args, depth)

    def copies(self, targets: tuple, values: tuple, depth: int) -> list:
        """``target = value`` for each pair that differs, as one parallel assignment if they overlap."""
        pairs = [
            (t, v)
            for t, v in zip(targets, values)
            if not (isinstance(v, Var) and self.name(v) == self.name(t))
        ]
        if not pairs:
            return []
        pad = "    " * depth
        sources = [self.value_for(t, v) for t, v in pairs]
        targets_ = [self.name(t) for t, _ in pairs]
        read = {self.name(v) for _, v in pairs if isinstance(v, Var)}
        if len(pairs) > 1 and read & set(targets_):
            lhs = ast.Tuple([ast.Name(n, ast.Store()) for n in targets_], ast.Store())
            rhs = ast.Tuple(sources, ast.Load())
            return [pad + ast.unparse(ast.Assign([lhs], rhs, lineno=0))]
        return [
            pad + ast.unparse(ast.Assign([ast.Name(n, ast.Store())], e, lineno=0))
            for n, e in zip(targets_, sources)
        ]

    def value_for(self, target: Var, value) -> ast.expr:
        if value is ir.UNDEF:  # never read on the path that assigns it: any value of the right type
            return constant({"float": 0.0, "bool": False}.get(str(self.type_of(target)), 0))
        node = self.operand(value)
        wider, narrower = (getattr(self.type_of(v), "dtype", None) for v in (target, value))
        if wider == "float64" and narrower == "float32":  # numba keeps one dtype per variable
            return self.call_expr(np.asarray, [node, dotted("np.float64")])
        return node

    def range_expr(self, stmt: ir.For) -> ast.expr:
        return self.call_expr(range, [self.operand(a) for a in (stmt.start, stmt.stop, stmt.step)])

    def assignment(self, op: Op, value: ast.expr) -> ast.stmt:
        target = ast.Name(self.name(op.result), ast.Store())
        first = op.args[0] if op.args else None
        owned = not isinstance(self.type_of(op.result), Array)  # a primal array may share memory
        same = isinstance(first, Var) and self.name(first) == self.name(op.result)
        if owned and same and op.fn in AUGMENTED:
            return ast.AugAssign(target, AUGMENTED[op.fn](), value.right)  # d_x += contribution
        return ast.Assign([target], value, lineno=0)

    # ------------------------------------------------------------ expressions

    def operand(self, a) -> ast.expr:
        if isinstance(a, Var):
            return self.pending.pop(a) if a in self.pending else ast.Name(self.name(a), ast.Load())
        if isinstance(a, ir.Symbol):
            return dotted(a.text)
        return constant(a.value)

    def op_expr(self, op: Op) -> ast.expr:
        fn = op.fn
        args = [self.operand(a) for a in op.args]
        if self.float32_elementwise(op):
            args = [self.as_float32(a, node) for a, node in zip(op.args, args)]
        if fn in LINEAR_ALGEBRA and len({getattr(self.type_of(a), "dtype", None) for a in op.args[:2]}) > 1:
            args = [self.as_float64(a, node) for a, node in zip(op.args, args)]  # numba: one dtype
        if fn is ir.COPY:
            return args[0]
        if fn is np.matmul:  # numba compiles the operator, not the function
            fn = operator.matmul
        if fn in ir.BINARY_SYMBOLS:
            return ast.BinOp(args[0], BINARY_NODES[fn](), args[1])
        if fn in ir.COMPARE_SYMBOLS:
            return ast.Compare(args[0], [COMPARE_NODES[fn]()], [args[1]])
        if fn in ir.UNARY_SYMBOLS:
            return ast.UnaryOp(UNARY_NODES[fn](), args[0])
        if fn is operator.and_:
            return ast.BoolOp(ast.And(), args)
        if fn is operator.getitem:
            return ast.Subscript(args[0], index_expr(args[1:], pattern_of(op)), ast.Load())
        if fn is runtime.ndim:
            return ast.Attribute(args[0], "ndim", ast.Load())
        if fn is runtime.dim:  # x.shape[k]
            return ast.Subscript(ast.Attribute(args[0], "shape", ast.Load()), args[1], ast.Load())
        if fn in (abs, np.inner) and any(isinstance(self.type_of(a), Array) for a in op.args):
            fn = np.abs if fn is abs else np.dot  # numba: no abs() or np.inner on arrays (1-d inner is dot)
        if fn is np.clip and not any(isinstance(self.type_of(a), Array) for a in op.args):
            return self.call_expr(min, [self.call_expr(max, args[:2]), args[2]])  # numba's takes arrays
        if fn is np.zeros_like and self.type_of(op.result) is None and self.is_float32(op.args[0]):
            args.append(dotted("np.float64"))  # an adjoint: float64, as the others (the seed is)
        if fn is float and str(self.type_of(op.args[0])) == "bool":  # numba has no float(bool)
            return ast.BinOp(ast.Constant(1.0), ast.Mult(), args[0])
        options = dict(op.kwargs)
        if "packed" in options:  # np.zeros((n, m)), np.array([a, b])
            args = repack(args, options.pop("packed").value, list if fn is np.array else tuple)
        keywords = [ast.keyword(k, self.operand(v)) for k, v in options.items()]
        return self.call_expr(fn, args, keywords)

    def float32_elementwise(self, op: Op) -> bool:
        """An elementwise op with a float32 array result (NumPy's promotion: numbers are weak)."""
        result = self.type_of(op.result)
        fn = op.fn
        elementwise = fn in ir.BINARY_SYMBOLS or isinstance(fn, np.ufunc) or fn in (np.where, np.clip)
        return elementwise and isinstance(result, Array) and result.dtype == "float32"

    def as_float32(self, operand, node: ast.expr) -> ast.expr:
        """``np.float32(w)`` for a number next to a float32 array: numba would promote to float64."""
        number = (
            type(operand.value) in (int, float)
            if isinstance(operand, ir.Const)
            else str(self.type_of(operand)) in ("float", "int")
        )
        return self.call_expr(np.float32, [node]) if number else node

    def is_float32(self, operand) -> bool:
        return getattr(self.type_of(operand), "dtype", None) == "float32"

    def as_float64(self, operand, node: ast.expr) -> ast.expr:
        if not self.is_float32(operand):
            return node
        return self.call_expr(np.asarray, [node, dotted("np.float64")])

    def call_expr(self, fn, args: list, keywords: list = ()) -> ast.expr:
        if fn is range:  # range(0, n, 1) → range(n)
            if is_constant(args[2], 1):
                args = args[1:2] if is_constant(args[0], 0) else args[:2]
        name = self.externals.names.get(fn) or ir.qualified_name(fn)
        return ast.Call(dotted(name), args, list(keywords))


def repack(args: list, packed: tuple, kind) -> list:
    """Put the items of each tuple argument (start, length) back into one tuple or list."""
    starts = dict(packed)
    out, i = [], 0
    while i < len(args):
        if i in starts:
            items = args[i : i + starts[i]]
            out.append(ast.List(items, ast.Load()) if kind is list else ast.Tuple(items, ast.Load()))
            i += starts[i]
        else:
            out.append(args[i])
            i += 1
    return out


def pattern_of(op: Op) -> tuple:
    """What each index entry of a subscript op is: "value", "slice" (3 operands) or "none"."""
    given = dict(op.kwargs).get("pattern")
    return given.value if given is not None else ("value",) * (len(op.args) - 1)


def index_expr(operands: list, pattern: tuple) -> ast.expr:
    """The index of ``x[...]`` from its flattened operands."""
    entries, rest = [], iter(operands)
    for kind in pattern:
        if kind == "none":
            entries.append(ast.Constant(None))
        elif kind == "value":
            entries.append(next(rest))
        else:
            lower, upper, step = (next(rest) for _ in range(3))
            entries.append(ast.Slice(*(None if is_constant(e, None) else e for e in (lower, upper, step))))
    return entries[0] if len(entries) == 1 else ast.Tuple(entries, ast.Load())


def is_constant(node: ast.expr, value) -> bool:
    return isinstance(node, ast.Constant) and node.value == value and type(node.value) is type(value)


def dotted(name: str) -> ast.expr:
    head, *rest = name.split(".")
    node: ast.expr = ast.Name(head, ast.Load())
    for attr in rest:
        node = ast.Attribute(node, attr, ast.Load())
    return node


def constant(value) -> ast.expr:
    if isinstance(value, float) and not math.isfinite(value):
        name = "math.nan" if math.isnan(value) else "math.inf"
        return dotted(name) if value > 0 or math.isnan(value) else ast.UnaryOp(ast.USub(), dotted(name))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


BINARY_NODES = {
    operator.add: ast.Add,
    operator.sub: ast.Sub,
    operator.mul: ast.Mult,
    operator.truediv: ast.Div,
    operator.floordiv: ast.FloorDiv,
    operator.mod: ast.Mod,
    operator.pow: ast.Pow,
    operator.matmul: ast.MatMult,
}
COMPARE_NODES = {
    operator.lt: ast.Lt,
    operator.le: ast.LtE,
    operator.gt: ast.Gt,
    operator.ge: ast.GtE,
    operator.eq: ast.Eq,
    operator.ne: ast.NotEq,
}
UNARY_NODES = {
    operator.neg: ast.USub,
    operator.pos: ast.UAdd,
    operator.not_: ast.Not,
    operator.invert: ast.Invert,
}
LINEAR_ALGEBRA = (np.dot, np.matmul, operator.matmul, np.inner, np.outer)
AUGMENTED = {operator.add: ast.Add, operator.sub: ast.Sub}
