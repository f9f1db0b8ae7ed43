"""Generated programs as modules: srcdiff reads source, so the fuzzers write each program to a file."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


class SourceModules:
    """Imports source text as modules ``<prefix>_<hash>`` written to `directory`.

    The same source gives the same module. Only the newest `keep` stay in
    ``sys.modules``, so that a long fuzz run does not hold 10^4 of them.
    """

    def __init__(self, directory: Path, prefix: str, keep: int = 32):
        self.directory, self.prefix, self.keep = directory, prefix, keep
        self.loaded: list[str] = []

    def __call__(self, source: str) -> ModuleType:
        name = f"{self.prefix}_{hashlib.sha256(source.encode()).hexdigest()[:16]}"
        if name in sys.modules:
            return sys.modules[name]
        path = self.directory / f"{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        self.loaded.append(name)
        spec.loader.exec_module(module)
        while len(self.loaded) > self.keep:
            sys.modules.pop(self.loaded.pop(0), None)
        return module

    def forget(self) -> None:
        """Drop the modules still in ``sys.modules``."""
        for name in self.loaded:
            sys.modules.pop(name, None)
        self.loaded.clear()
