"""Command line: ``python -m srcdiff show path/to/file.py:func`` (or ``package.module:func``).

Prints the generated gradient code of `func`; ``--stages`` prints the function
after every stage of the pipeline instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
import sys
from pathlib import Path

from . import api, infer, pipeline
from .errors import SrcdiffError


def load_target(spec: str):
    """The object named by ``file.py:name`` or ``package.module:name``."""
    location, sep, name = spec.rpartition(":")
    if not sep or not name or not location:
        raise SrcdiffError(f"expected FILE.py:FUNCTION or MODULE:FUNCTION, got {spec!r}")
    if location.endswith(".py") or Path(location).is_file():
        path = Path(location).resolve()
        if not path.is_file():
            raise SrcdiffError(f"no such file: {location}")
        sys.path.insert(0, str(path.parent))
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, ".")
        module = importlib.import_module(location)
    if not hasattr(module, name):
        raise SrcdiffError(f"{location} has no attribute {name!r}")
    return getattr(module, name)


def parse_wrt(text: str | None):
    if text is None:
        return 0
    items = tuple(int(t) if t.strip().lstrip("-").isdigit() else t.strip() for t in text.split(","))
    return items if len(items) > 1 else items[0]


def parse_type(text: str):
    """``float``, ``int``, ``bool``, or an array such as ``float64[:]``, ``float[:, :]``, ``float32[:]``."""
    name, _, axes = text.partition("[")
    if not axes:
        if name not in ("float", "int", "bool"):
            raise SrcdiffError(f"unknown type {text!r}: use float, int, bool or an array like float64[:, :]")
        return infer.Scalar(name)
    dtype = {"float": "float64", "int": "int64"}.get(name, name)
    if dtype not in ("float64", "float32", "int64", "bool"):
        raise SrcdiffError(f"unknown array dtype {name!r}: use float64, float32, int64 or bool")
    return infer.Array(dtype, axes.count(":"))


def show(args: argparse.Namespace) -> None:
    target = load_target(args.target)
    transformed = target if isinstance(target, api.Transformed) else api.grad(target, wrt=parse_wrt(args.wrt))
    types = transformed.default_types()
    if args.types:
        names = re.findall(r"\w+(?:\[[:,\s]*\])?", args.types)
        if len(names) != len(types):
            raise SrcdiffError(f"--types lists {len(names)} types for {len(types)} parameters")
        types = [parse_type(n) for n in names]
    if not args.stages:
        print(transformed.specialize(types).source, end="")
        return
    trace = pipeline.Trace(keep_text=True)
    rules = transformed.rules or api.default_table()
    pipeline.run(transformed.parsed, types, transformed.wrt_indices, rules, trace)
    for stage, text in trace.texts.items():
        took = f" ({1e3 * trace.seconds[stage]:.2f} ms)" if stage in trace.seconds else ""
        print(f"# ---- after {stage}{took}\n{text.rstrip()}\n")


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog="srcdiff", description="Show the code srcdiff generates.")
    commands = parser.add_subparsers(dest="command", required=True)
    show_parser = commands.add_parser("show", help="print the generated gradient code of a function")
    show_parser.add_argument("target", help="path/to/file.py:function or package.module:function")
    show_parser.add_argument("--wrt", help="parameters to differentiate: names or indices, comma-separated")
    show_parser.add_argument(
        "--types", help="argument types, comma-separated: float, int, bool, or arrays like float64[:, :]"
    )
    show_parser.add_argument("--stages", action="store_true", help="print the IR after every stage")
    args = parser.parse_args(argv)
    try:
        show(args)
    except SrcdiffError as e:
        print(f"srcdiff: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
