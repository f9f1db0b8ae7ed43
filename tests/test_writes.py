"""Writes into arrays: what srcdiff refuses (with the user's line), and what the generated code does.

The gradients themselves are checked by the corpus (``tests/corpus/writes.py``); this
file checks the rules that make in-place writes sound, and that the reverse pass
costs O(1) per written element: no array copies inside the reverse loop.
"""

import inspect
import re

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcdiffError
from srcdiff.testing import check_grads

from .corpus import writes

GLOBAL_TABLE = np.zeros(3)


def line_of(fn, marker: str) -> int:
    """The line of `fn`'s source containing `marker`."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if marker in line)


def raises_at(fn, marker: str, *fragments: str):
    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(fn, backend="python")(np.ones(4))
    message = str(info.value)
    assert f"{__file__}:{line_of(fn, marker)}" in message, message
    for fragment in fragments:
        assert fragment in message, message


# ---------------------------------------------------------------- refused, with a clear message


def write_into_parameter(x):
    x[0] = 1.0  # here
    return np.sum(x)


def write_into_slice_view(x):
    y = x * 2.0
    z = y[1:]
    z[0] = 1.0  # here
    return np.sum(y)


def write_into_transpose(x):
    y = np.ones((2, 2)) * x[0]
    t = y.T
    t[0, 1] = 3.0  # here
    return np.sum(y)


def read_alias_after_write(x):
    out = x * 1.0
    alias = out
    out[0] = 5.0
    return np.sum(alias)  # here


def read_old_version_in_loop(x):
    out = x * 1.0
    before = out
    for i in range(3):
        out[i] = out[i] * 2.0
        s = np.sum(before)  # here
    return s + np.sum(out)


def view_read_after_write(x):
    b = x * 1.0
    c = b[1:3]
    b[1] = 5.0 * x[0]
    return np.sum(c * c)  # here


def row_view_read_after_write(x):
    b = np.ones((2, 2)) * x[0]
    r = b[0]
    b[0, 1] = 3.0
    return np.sum(r)  # here


def view_read_after_write_in_a_branch(x):
    b = x * 1.0
    if x[0] > 0:
        c = b[1:3]
        b[1] = 5.0
    else:
        c = b[0:2] * 1.0
    return np.sum(c * c)  # here


def row_of_a_view_of_a_view_after_write(x):
    b = np.ones((3, 2)) * x[0]
    v = b[1:]
    b[1, 0] = 2.0
    return np.sum(v[0])  # here


def read_alias_after_augmented_assignment(x):
    a = x * 2.0
    b = a
    a += 1.0
    return np.sum(b * x)  # here


def read_view_after_augmented_assignment(x):
    a = x * 2.0
    v = a[1:]
    for i in range(2):
        a -= 0.5 * x
    return np.sum(v)  # here


def write_float_into_int_array(x):
    counts = np.arange(3)
    counts[0] = x[0]  # here
    return x[0] * counts[0]


def write_into_global(x):
    GLOBAL_TABLE[0] = x[0]  # here
    return x[0]


def write_through_sliced_chain(x):
    y = x * 1.0
    y[1:][0] = 2.0  # here
    return np.sum(y)


def write_into_attribute(x):
    y = np.ones((2, 2))
    y.T[0] = x[0]  # here
    return np.sum(y)


@pytest.mark.parametrize(
    "fn, fragments",
    [
        (write_into_parameter, ("parameter 'x'", "x.copy()")),
        (write_into_slice_view, ("a view of another array",)),
        (write_into_transpose, ("a view of another array",)),
        (read_alias_after_write, ("as it was before a write", "out.copy()")),
        (read_old_version_in_loop, ("as it was before a write", "in a loop")),
        (view_read_after_write, ("'c' is a view of 'b' read after a write",)),
        (row_view_read_after_write, ("'r' is a view of 'b' read after a write",)),
        (view_read_after_write_in_a_branch, ("'c' is a view of 'b' read after a write",)),
        (read_alias_after_augmented_assignment, ("`a += ...` at line", "through another name")),
        (read_view_after_augmented_assignment, ("`a -= ...`", "'v' shares it")),
        (row_of_a_view_of_a_view_after_write, ("'v' is a view of 'b' read after a write",)),
        (write_float_into_int_array, ("truncate",)),
        (write_into_global, ("cannot write into 'GLOBAL_TABLE'",)),
        (write_through_sliced_chain, ("chain of subscripts",)),
        (write_into_attribute, ("writing into y.T",)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_unsound_writes_are_refused_at_the_users_line(fn, fragments):
    raises_at(fn, "# here", *fragments)


def element_read_then_written(x):
    b = x * 1.0
    t = b[1]
    b[1] = 5.0 * t
    return np.sum(b) + t


def test_an_element_read_before_a_write_is_a_value_not_a_view():
    for backend in ("python", "numba"):
        check_grads(element_read_then_written, (np.linspace(0.1, 0.9, 4),), backend=backend)


def test_a_dead_write_through_an_alias_is_still_refused():
    """The write below is dead in SSA terms, but Python's `alias` sees it: refusing is the only
    answer that is never silently wrong."""
    write_line = line_of(read_alias_after_write, "out[0] = 5.0")
    raises_at(read_alias_after_write, "# here", f"before a write into that array at line {write_line}")


# ---------------------------------------------------------------- what the generated code does


def source_for(fn, *args) -> str:
    """The generated code of `fn`'s gradient for the types of `args`."""
    gradient = srcdiff.grad(fn, backend="python")
    gradient(*args)
    return gradient.source


def reverse_loop_bodies(source: str) -> list[str]:
    """The bodies of the loops after ``# reverse pass``, as text."""
    reverse = source.split("# reverse pass", 1)[1]
    return re.findall(r"\n( +)for .*:\n((?:\1 .*\n)+)", reverse)


def test_reverse_loop_of_a_fill_copies_no_array():
    source = source_for(writes.fill_squares, np.ones(5))
    bodies = [body for _, body in reverse_loop_bodies(source)]
    assert bodies, source
    for body in bodies:
        assert "np.copy" not in body and "zeros_like" not in body, source


def test_nothing_is_saved_when_the_reverse_pass_reads_no_overwritten_value():
    source = source_for(writes.fill_squares, np.ones(5))
    assert "_old" not in source, source


def test_overwritten_values_the_reverse_pass_needs_are_saved_and_restored():
    source = source_for(writes.overwrite_after_use, np.ones(5))
    assert "y_old = y[0]" in source, source
    assert "y[0] = y_old" in source.split("# reverse pass", 1)[1], source


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_inputs_are_not_modified(backend):
    x = np.linspace(-1.0, 1.0, 6)
    before = x.copy()
    srcdiff.grad(writes.rewrite_through_nonlinearity, wrt=(0, 1), backend=backend)(x, 0.8)
    np.testing.assert_array_equal(x, before)


def test_writes_print_in_place_under_the_users_name():
    source = source_for(writes.recurrence_in_array, np.ones(5))
    forward = source.split("# reverse pass", 1)[0]
    assert "h[0] = " in forward and "h[i] = " in forward, source
    assert not re.search(r"\bh_\d+\b", source), source
