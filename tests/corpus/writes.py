"""Writes into arrays: ``out[i] = v``, ``out[i] += v`` and slice assignment, in loops and branches.

srcdiff writes arrays in place; the reverse pass reads each version as the forward
pass saw it (putting back overwritten values where it reads older versions). These
cases cover the buffer made by each creation function, the write forms, writes that
overwrite values the reverse pass still needs, and writes under control flow.
"""

import math

import numpy as np

from . import case

rng = np.random.default_rng(20261124)


def vec(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape)


# ============================================================== loop-style fills


@case(vec(6))
def fill_squares(x):
    n = x.shape[0]
    out = np.zeros(n)
    for i in range(n):
        out[i] = x[i] * x[i]
    return np.sum(out * out)


@case(vec(6), 0.7)
def fill_empty_then_reduce(x, w):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = math.sin(w * x[i])
    return np.sum(out) + out[0] * out[-1]


@case(vec(7))
def recurrence_in_array(x):
    n = len(x)
    h = np.zeros(n)
    h[0] = x[0]
    for i in range(1, n):
        h[i] = 0.5 * h[i - 1] + math.tanh(x[i])
    return np.sum(h * h)


@case(vec(6))
def cumulative_sum(x):
    out = np.zeros_like(x)
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i]
        out[i] = total
    return np.sum(out**2)


@case(vec(3, 4))
def fill_matrix_nested(a):
    m, n = a.shape
    out = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            out[i, j] = a[i, j] * (i + 1) - a[i, n - 1 - j]
    return np.sum(out * out)


@case(vec(3, 4))
def fill_rows_chained_index(a):
    m, n = a.shape
    out = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            out[i][j] = math.exp(a[i][j])
    return np.sum(out * a)


@case(vec(5))
def negative_index_writes(x):
    out = np.ones(5)
    out[-1] = x[0] * x[1]
    out[-2] = x[2] ** 2
    return np.sum(out * x)


# ============================================================== augmented writes


@case(vec(6))
def histogram_add(x):
    out = np.zeros(3)
    for i in range(x.shape[0]):
        out[i % 3] += x[i] * x[i]
    return np.sum(out * np.array([1.0, 2.0, 3.0]))


@case(vec(5), 1.3)
def scale_in_place(x, w):
    y = x * 2.0
    for i in range(y.shape[0]):
        y[i] *= w
    return np.sum(np.sin(y))


@case(vec(5))
def accumulate_twice(x):
    out = np.zeros(2)
    for i in range(x.shape[0]):
        out[0] += x[i]
        out[1] -= x[i] * out[0]
    return out[0] * out[1]


# ============================================================== overwriting values the reverse pass needs


@case(vec(6), 0.8)
def rewrite_through_nonlinearity(x, w):
    y = x * 1.0
    for i in range(y.shape[0]):
        y[i] = math.sin(y[i]) * w
    return np.sum(y * y)


@case(vec(5))
def overwrite_after_use(x):
    y = np.exp(x)
    s = np.sum(y * y)
    y[0] = 2.0
    return s + np.sum(y)


@case(vec(5))
def overwrite_array_read_later_in_reverse(x):
    y = np.sin(x)
    z = y * x
    y[1] = 0.5
    y[3] = x[0]
    return np.sum(z * y) + np.sum(y)


@case(vec(4), 0.9)
def repeated_sweeps(x, a):
    y = x * 1.0
    for sweep in range(3):
        for i in range(1, y.shape[0]):
            y[i] = y[i] * a + math.cos(y[i - 1])
    return np.sum(y)


@case(vec(5))
def same_place_written_twice(x):
    y = np.zeros(5)
    y[2] = x[0] * x[1]
    t = y[2] * x[2]
    y[2] = t * t
    return np.sum(y) + t


@case(vec(4))
def elementwise_op_between_writes(x):
    y = x * 1.0
    for i in range(x.shape[0]):
        z = np.sum(np.tanh(y))
        y[i] = z * x[i]
    return np.sum(y)


# ============================================================== slices


@case(vec(6))
def slice_assign_scalar(x):
    y = x * x
    y[1:3] = 0.25
    return np.sum(y * x)


@case(vec(6))
def slice_assign_array(x):
    y = np.zeros(6)
    y[::2] = x[:3] * 2.0
    y[1::2] = np.sin(x[3:])
    return np.sum(y * y)


@case(vec(3, 4), vec(4))
def row_assign_broadcast(a, v):
    out = np.zeros((3, 4))
    for i in range(3):
        out[i] = a[i] * v
    out[:, 0] = v[0]
    return np.sum(out * out)


@case(vec(3, 4))
def column_writes_from_column(a):
    out = a * 1.0
    for j in range(1, 4):
        out[:, j] = out[:, j - 1] * 0.5 + np.tanh(a[:, j])
    return np.sum(out**2)


@case(vec(2, 3), vec(3))
def slice_assign_broadcast_row(a, v):
    out = np.zeros((4, 3))
    out[1:3] = a + v
    out[0] = v
    return np.sum(out * np.arange(12.0).reshape((4, 3)))


# ============================================================== under control flow


@case(vec(6))
def write_in_branch(x):
    out = np.zeros(6)
    for i in range(6):
        if x[i] > 0.0:
            out[i] = x[i] * x[i]
        else:
            out[i] = -x[i]
    return np.sum(out * x)


@case(vec(6))
def conditional_write_only(x):
    out = x * 1.0
    for i in range(6):
        if x[i] < 0.2:
            out[i] = math.exp(out[i])
    return np.sum(out * out)


@case(vec(5), 0.3)
def write_at_top_level_branch(x, t):
    y = np.exp(x)
    if t > 0.0:
        y[0] = t * y[1]
    else:
        y[1] = t
    return np.sum(y * x)


@case(vec(6, low=0.1, high=1.0))
def while_fills(x):
    out = np.zeros(6)
    i = 0
    total = 0.0
    while total < 2.0 and i < 6:
        total += x[i]
        out[i] = total * x[i]
        i += 1
    return np.sum(out)


@case(vec(6))
def write_then_break(x):
    out = np.zeros(6)
    for i in range(6):
        out[i] = math.sin(x[i])
        if out[i] > 0.5:
            break
    return np.sum(out * x)


@case(vec(4), vec(4))
def buffer_made_each_iteration(x, y):
    total = 0.0
    for k in range(3):
        row = np.zeros(4)
        for i in range(4):
            row[i] = x[i] * (k + 1) + y[(i + k) % 4]
        total += np.sum(row * row)
    return total


# ============================================================== numeric kernels written with writes


@case(vec(5))
def logsumexp_with_buffer(x):
    n = x.shape[0]
    m = x[0]
    for i in range(1, n):
        if x[i] > m:
            m = x[i]
    shifted = np.empty(n)
    for i in range(n):
        shifted[i] = math.exp(x[i] - m)
    return m + math.log(np.sum(shifted))


@case(vec(4, 3), vec(3), vec(4))
def matvec_loop(a, x, b):
    m, n = a.shape
    y = np.zeros(m)
    for i in range(m):
        s = b[i]
        for j in range(n):
            s += a[i, j] * x[j]
        y[i] = math.tanh(s)
    return np.sum(y * y)


@case(vec(8), 0.3)
def explicit_euler(u0, nu):
    u = u0 * 1.0
    n = u.shape[0]
    for step in range(4):
        new = np.zeros(n)
        for i in range(1, n - 1):
            new[i] = u[i] + nu * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u = new
    return np.sum(u * u)


@case(vec(6))
def forward_substitution(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        s = x[i]
        for j in range(i):
            s -= 0.3 * y[j]
        y[i] = s / (1.0 + 0.1 * i)
    return np.sum(y * y * y)


# ============================================================== found by tests/test_random_arrays.py
# (fixed; a view read after a write into its array is now refused: tests/test_writes.py)


@case(vec(4), vec(2))
def inactive_array_parameter(x, y):
    return np.sum(x * x)


@case(vec(4))
def needed_mode_rereads_overwritten_element(x):
    y = x * 1.0
    s = 0.0
    for i in range(4):
        s += y[i] * y[i]
    y[2] = 0.0
    return s + y[0]


@case(vec(4))
def slice_read_then_written_in_place(x):
    b = x * 1.0
    b[1:3] += b[1:3] * b[1:3]
    return np.sum(b)


@case(vec(4))
def written_then_timestep(x):
    # was refused as aliasing ('u' may share its array with 'new'): the loop's slot joined
    # u's buffer, though every iteration rebinds u to a new array
    u = x * 1.0
    u[0] = 0.5
    for t in range(2):
        new = np.zeros(4)
        for i in range(4):
            new[i] = math.sin(u[i] * (t + 1))
        u = new
    return np.sum(u * u)


@case(
    vec(4),
    bug="time stepping is refused as aliasing ('u' may share its array with 'new') when the loop "
    "body can return early",
)
def timestep_with_early_return(x):
    u = x * 1.0
    for t in range(2):
        new = np.zeros(4)
        for i in range(4):
            new[i] = math.sin(u[i])
            if i == 2 and t == 1:
                return np.sum(new * new)
        u = new
    return np.sum(u * u)


@case(
    vec(4),
    bug="writing after the loop into an array the loop made ('the array 'u' is made inside a loop, "
    "written, and used outside that iteration ...: not supported yet'): a refusal docs/supported.md "
    "does not list; with time stepping (u = new) the refusal is the aliasing one instead",
)
def made_in_loop_written_after(x):
    u = x * 1.0
    for t in range(2):
        u = np.sin(x) * (t + 1.0)
    u[0] = 1.0
    return np.sum(u * u)


@case(vec(4))
def gather_then_write(x):
    b = x * 1.0
    v = b[np.array([0, 2, 2])]  # an integer-array read copies: the write below does not reach v
    b[0] = 5.0 * x[1]
    return np.sum(v * v) + np.sum(b * b)


@case(vec(3, 4))
def row_update_in_loop(x):
    # numba once rejected the gradient: its versions of the twice-assigned `mul` clashed with `mul_1`
    b = np.copy(x)
    for i in range(3):
        b[i] = 0.77 * b[i] + 0.25 * i
    return np.sum(b)


@case(-0.98)
@case(0.7, label="positive")
def where_of_python_floats(w):
    # the adjoint was once multiplied by ~(w > 0.0): -1 or -2 for a Python bool
    v = np.where(w > 0.0, w, 0.5 * w)
    return np.sum(v * v)


@case(vec(4), 0.3)
def dead_view_after_early_return(x, w):
    # was refused: the view, never read, was passed on at the end of the branch an early return makes
    b = x * 1.0
    for i in range(3):
        b[i] = np.sin(b[i]) * w
        if b[i] > 5.0:
            return np.sum(b)
    v = b.reshape(-1)  # noqa: F841
    for i in range(3):
        b[i + 1] = 0.5 * b[i] + x[i]
    return np.sum(b * b)


@case(vec(3, 4))
def row_of_a_gathered_copy_after_write(x):
    # was refused: a row of b[idx] (a copy) was taken for a row of b
    b = x * 1.0
    g = b[np.array([0, 2, 2])]
    for i in range(1, 3):
        b[i] = b[i - 1] + 0.1 * np.sin(b[i]) * g[i]
    return np.sum(b) + np.sum(g * g)


@case(vec(3))
def augmented_assignment_of_arrays(x):
    # NumPy's a += v changes a's array in place; with nothing else reading it, that is a + v
    a = x * 2.0
    a += x
    s = 0.0
    for i in range(3):
        a *= 0.9
        a += 0.5 * np.sin(a)
        s = s + np.sum(a * x)
    return s


@case(vec(3))
def augmented_assignment_of_a_parameter(x):
    # Python changes the caller's array here; srcdiff's gradient leaves it as it was
    x += 1.0
    return np.sum(x * x)
