"""The benchmark runner: every tool on every workload, one process per tool, under a budget.

    python -m benchmarks            # the full run: writes benchmarks/results/<date>.json and docs/
    python -m benchmarks --quick    # smaller loops and batches, one GMM, fewer repeats, and
                                    # srcdiff's and numba's own disk caches (a second run
                                    # skips compiling)
    python -m benchmarks --tiny     # tiny sizes, seconds: what the test runs

Tools run one after another (never two at once: they would share the 2 cores), each in a
`benchmarks.worker` process going through its workloads (a process per workload for the
numba-based tools). A workload that has not reported
within the budget is stopped and reported as a timeout, and the tool's process is started
again for the workloads left. Tools whose library is missing are listed as skipped.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import machine, report, suite, tools
from .worker import MARK

ROOT = Path(__file__).resolve().parents[1]
FRESH_PROCESS = ("numba", "hand", "srcdiff")
RUN_ORDER = ("numba", "hand", "srcdiff", "jax", "torch", "autograd")  # references first
MODES = {  # repeats (rounds at most), seconds of timed rounds, budget per tool and workload
    "full": (30, 20.0, 150.0),
    "quick": (5, 1.0, 120.0),
    "tiny": (3, 0.5, 120.0),
}


def read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        if line.startswith(MARK):
            lines.put(json.loads(line[len(MARK) :]))
    lines.put(None)


def run_tool(tool: str, keys: list[str], options, refs: Path, log) -> dict:
    """{workload key: result} for one tool: numba-based tools start cheaply, so they get a new
    process for every workload and every first call compiles from nothing (srcdiff and numba
    would otherwise reuse code compiled for a workload of the same argument types)."""
    if tool not in FRESH_PROCESS:
        return run_workers(tool, keys, options, refs, log)
    return {k: v for key in keys for k, v in run_workers(tool, [key], options, refs, log).items()}


def run_workers(tool: str, keys: list[str], options, refs: Path, log) -> dict:
    """{workload key: result}, restarting the tool's process after a timeout or a crash."""
    results: dict = {}
    while keys:
        command = [sys.executable, "-m", "benchmarks.worker", tool, ",".join(keys), "--refs", str(refs)]
        command += ["--repeats", str(options.repeats), "--seconds", str(options.seconds)]
        command += ["--budget", str(options.budget)]
        command += ["--mode", options.mode] + (["--cold"] if options.cold else [])
        with open(refs / f"{tool}.stderr", "a") as stderr:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                cwd=ROOT,
                env=worker_environment(refs, options.threads, options.cold),
                start_new_session=True,
            )
            lines: queue.Queue = queue.Queue()
            threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
            current, deadline = None, None
            while True:
                try:
                    timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                    event = lines.get(timeout=timeout)
                except queue.Empty:
                    results[current] = {"status": "timeout", "budget": options.budget}
                    log(tool, current, results[current])
                    os.killpg(process.pid, signal.SIGKILL)
                    break
                if event is None:  # the process ended
                    if current is not None and current not in results:
                        results[current] = {
                            "status": "error",
                            "message": f"{tool} process died: {tail(refs, tool)}",
                        }
                        log(tool, current, results[current])
                    break
                if event["event"] == "start":
                    current, deadline = event["workload"], time.monotonic() + options.budget
                else:
                    results[current] = {k: v for k, v in event.items() if k not in ("event", "workload")}
                    log(tool, current, results[current])
            process.wait()
        keys = [k for k in keys if k not in results]
    return results


def worker_environment(refs: Path, threads: int, cold: bool) -> dict:
    """The workers' environment: every library held to `threads` threads (0: each library's
    default), and when `cold`, an empty numba cache for the run (each primal and hand-written
    adjoint compiles once per run; srcdiff's generated code is cached there too)."""
    env = dict(os.environ)
    if cold:
        env["NUMBA_CACHE_DIR"] = str(refs / "numba-cache")
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
        if threads == 1:
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false").strip()
    return env


def tail(refs: Path, tool: str) -> str:
    text = (refs / f"{tool}.stderr").read_text(errors="replace").strip().splitlines()
    return " | ".join(text[-3:])[-600:]


def parse(argv: list[str] | None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="smaller sizes, under 2 minutes"
    )
    mode.add_argument("--tiny", dest="mode", action="store_const", const="tiny", help="tiny sizes, seconds")
    parser.set_defaults(mode="full")
    parser.add_argument("--tools", help=f"comma-separated subset of {','.join(tools.TOOLS)}")
    parser.add_argument("--workloads", help="comma-separated workload keys (default: all)")
    parser.add_argument("--repeats", type=int, help="timed rounds at most")
    parser.add_argument("--seconds", type=float, help="time for the timed rounds of one workload")
    parser.add_argument("--budget", type=float, help="seconds one tool may take on one workload")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads each library may use (default 1; 0: its own default)"
    )
    parser.add_argument("--results", type=Path, help="JSON file to write (default: benchmarks/results/)")
    parser.add_argument("--docs", type=Path, help="write the Markdown page and chart to this directory")
    options = parser.parse_args(argv)
    unknown = set((options.tools or "").split(",")) - set(tools.TOOLS) - {""}
    if unknown:
        parser.error(f"unknown tools {', '.join(sorted(unknown))}; choose from {', '.join(tools.TOOLS)}")
    repeats, seconds, budget = MODES[options.mode]
    options.cold = options.mode != "quick"
    options.repeats = options.repeats or repeats
    options.seconds = options.seconds or seconds
    options.budget = options.budget or budget
    if options.docs is None and options.mode == "full" and not (options.tools or options.workloads):
        options.docs = ROOT / "docs"
    return options


def main(argv: list[str] | None = None) -> dict:
    options = parse(argv)
    workloads = suite.workloads(options.mode)
    if options.workloads:
        wanted = options.workloads.split(",")
        workloads = [w for w in workloads if w.key in wanted]
    chosen = options.tools.split(",") if options.tools else list(tools.TOOLS)
    started, described = time.monotonic(), machine.describe()
    if described["load_before"] and described["load_before"][0] > 0.5 * (described["cores"] or 1):
        print(f"warning: load average {described['load_before']}: other work will add noise", file=sys.stderr)

    def log(tool, key, result):
        print(f"[{time.monotonic() - started:6.1f}s] {report.progress(tool, key, result)}", file=sys.stderr)

    results: dict = {}
    skipped: dict = {}
    refs = Path(tempfile.mkdtemp(prefix="srcdiff-benchmarks-"))
    try:
        for tool in sorted(chosen, key=RUN_ORDER.index):
            if reason := tools.missing(tool):
                skipped[tool] = reason
                print(f"skipping {tool}: {reason}", file=sys.stderr)
                continue
            keys = [w.key for w in workloads if tools.supports(tool, w)]
            for key, result in run_tool(tool, keys, options, refs, log).items():
                results.setdefault(key, {})[tool] = result
    finally:
        shutil.rmtree(refs, ignore_errors=True)
    run = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "mode": options.mode,
        "command": "python -m benchmarks" + ("" if options.mode == "full" else f" --{options.mode}"),
        "seconds": round(time.monotonic() - started, 1),
        "settings": {
            "repeats": options.repeats,
            "seconds": options.seconds,
            "budget": options.budget,
            "threads": options.threads,
            "srcdiff_cache": "empty" if options.cold else "the user's",
        },
        "machine": {**described, "load_after": machine.load()},
        "skipped": skipped,
        "workloads": [{"key": w.key, "name": w.name, "kind": w.kind} for w in workloads],
        "results": results,
    }
    print(report.table(run))
    path = options.results or ROOT / "benchmarks" / "results" / f"{run['date'][:10]}-{options.mode}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=1) + "\n")
    print(f"wrote {path}")
    if options.docs is not None:
        for written in report.write_docs(run, options.docs):
            print(f"wrote {written}")
    return run
