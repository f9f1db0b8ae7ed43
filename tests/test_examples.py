"""The examples run as a user would run them, so they cannot rot."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart_prints_value_gradient_and_code():
    out = run("quickstart.py")
    assert "neuron = 0.731059" in out
    assert "def neuron_value_and_grad" in out and "# reverse pass" in out


def test_custom_rule_matches_finite_differences():
    out = run("custom_rule.py")
    assert "matches central finite differences" in out
    assert "square(" in out and "softplus(" in out


@pytest.mark.slow
def test_train_mlp_learns_two_moons():
    lines = run("train_mlp.py").strip().splitlines()
    first, last = lines[0].split(), lines[-1].split()
    assert float(last[3]) < float(first[3]) / 10  # the loss goes down
    assert int(last[5].rstrip("%")) >= 95  # and the moons are separated


def test_gmm_objective_and_gradient_check_out():
    out = run("gmm.py", "--small")
    assert "matches the whole-array NumPy objective" in out
    assert "agrees with central differences" in out
