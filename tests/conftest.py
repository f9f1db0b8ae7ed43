"""Shared test setup: a private cache directory, so tests never write to the user's cache."""

import os
import tempfile

import pytest

BACKENDS = ("python", "numba")

os.environ.setdefault("SRCDIFF_CACHE_DIR", tempfile.mkdtemp(prefix="srcdiff-test-cache-"))


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test once per backend: both execute the same generated source."""
    return request.param


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*.py")
