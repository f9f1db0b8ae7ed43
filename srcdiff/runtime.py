"""Helpers that generated code calls (numba compiles them alongside it)."""

import numpy as np


def dim(x, k):
    """``x.shape[k]`` (generated code prints it that way)."""
    return x.shape[k]


def ndim(x):
    """``x.ndim`` (generated code prints it that way)."""
    return x.ndim


def add_at(target, index, value):
    """``target[index] += value``: the IR marker of a scatter, printed as that statement."""
    target[index] += value


def scatter_add(target, index, values):
    """``target[index] += values`` for an integer array `index`, adding up repeated indices
    (NumPy's ``target[index] += values`` keeps one of them): the adjoint of ``x[index]``."""
    for k in range(index.shape[0]):
        target[index[k]] += values[k]


def store(target, index, value):
    """``target[index] = value``, in place: the IR op of a write into an array, printed as that
    statement. Its result is a new SSA version of `target`, printed under the same name."""
    target[index] = value
    return target


def push_array(tape, k, value):
    """``tape[k] = value`` for an array value, growing `tape` (one axis more than `value`) when
    full. The IR op of a store on a growable tape; generated code prints it inline, calling
    `grown_for` only when the tape is full."""
    if k >= tape.shape[0]:
        tape = grown_for(tape, k, value)
    tape[k] = value
    return tape


def push(tape, k, value):
    """``tape[k] = value``, doubling `tape` first if it is full; returns the tape to use next.
    Generated code prints it inline, calling `grown` only when the tape is full."""
    if k >= tape.shape[0]:
        tape = grown(tape, k)
    tape[k] = value
    return tape


def reserve(tape, need):
    """`tape` with room for at least `need` entries (twice as many when it grows), contents kept.

    Called before a ``for`` loop nested in another, whose trip count is known when it
    starts, so its tape stores need no check inside the loop."""
    if need <= tape.shape[0]:
        return tape
    out = np.empty(max(2 * tape.shape[0], need), tape.dtype)
    for i in range(tape.shape[0]):  # a loop: numba compiles an array slice assignment slowly
        out[i] = tape[i]
    return out


def grown(tape, k):
    """The 1-d `tape` with room for entry `k` (twice as many entries, at least 16), its contents
    kept. (A value stored in a branch skips the iterations that do not take it.)"""
    out = np.empty(max(2 * tape.shape[0], k + 1, 16), tape.dtype)
    for i in range(tape.shape[0]):  # a loop: numba compiles an array slice assignment slowly
        out[i] = tape[i]
    return out


def grown_for(tape, k, value):
    """Room for entry `k`, an array like `value`, on an array tape; the first value sets its shape."""
    if tape.shape[0] == 0:
        return np.empty((max(16, k + 1),) + value.shape, value.dtype)
    if tape.shape[1:] != value.shape:
        raise ValueError("srcdiff: an array a loop stores in every iteration changed shape; not supported")
    out = np.empty((max(2 * tape.shape[0], k + 1),) + value.shape, value.dtype)
    flat_out, flat_in = out.reshape(out.size), tape.reshape(tape.size)  # both C-ordered
    for i in range(flat_in.size):  # a loop: numba compiles an array slice assignment slowly
        flat_out[i] = flat_in[i]
    return out


def float64(x):
    """`x` as float64: itself if it is, else a converted copy (``np.asarray(x, np.float64)``)."""
    return np.asarray(x, np.float64)


def sum_to(c, x):
    """`c` summed over the axes along which `x` (of the same ndim) was broadcast to `c`'s shape."""
    if c.shape == x.shape:
        return np.ascontiguousarray(c)  # one array layout for numba, whichever branch returns
    ndim = c.ndim
    source_stride = np.empty(ndim, np.int64)  # element strides of c, C order
    target_stride = np.empty(ndim, np.int64)  # of x, 0 along broadcast axes
    size_c, size_x = 1, 1
    for k in range(ndim - 1, -1, -1):
        source_stride[k], target_stride[k] = size_c, 0 if x.shape[k] == 1 else size_x
        size_c *= c.shape[k]
        size_x *= x.shape[k]
    flat = np.ascontiguousarray(c).ravel()
    out = np.zeros(size_x, flat.dtype)
    for f in range(flat.size):
        rest, target = f, 0
        for k in range(ndim):
            i = rest // source_stride[k]
            rest -= i * source_stride[k]
            target += i * target_stride[k]
        out[target] += flat[f]
    return out.reshape(x.shape)


# ---------------------------------------------------------------- reductions along one axis
# numba compiles np.max, np.min and np.prod of a whole array only. These take an `axis`
# (negative counts from the end; srcdiff.types checks its range) and return what NumPy
# returns: an array with that axis removed, or a number for a 1-d `x`. Each moves `axis`
# first with swapaxes (a view; the other axes keep their order), then combines the slices
# ``v[0], v[1], ...`` elementwise, so one body serves every ndim.


def max_along(x, axis):
    """``np.max(x, axis=axis)``."""
    v = x
    for a in range(axis % x.ndim, 0, -1):
        v = np.swapaxes(v, a, a - 1)
    if v.shape[0] == 0:
        raise ValueError("zero-size array to reduction operation maximum which has no identity")
    out = v[0]
    for k in range(1, v.shape[0]):
        out = np.maximum(out, v[k])
    return out


def min_along(x, axis):
    """``np.min(x, axis=axis)``."""
    v = x
    for a in range(axis % x.ndim, 0, -1):
        v = np.swapaxes(v, a, a - 1)
    if v.shape[0] == 0:
        raise ValueError("zero-size array to reduction operation minimum which has no identity")
    out = v[0]
    for k in range(1, v.shape[0]):
        out = np.minimum(out, v[k])
    return out


def prod_along(x, axis):
    """``np.prod(x, axis=axis)``."""
    v = x
    for a in range(axis % x.ndim, 0, -1):
        v = np.swapaxes(v, a, a - 1)
    if v.shape[0] == 0:  # the empty product: ones (numba types np.sum(v, axis=0) like v[0])
        return np.sum(v, axis=0) + 1
    out = v[0]
    for k in range(1, v.shape[0]):
        out = out * v[k]
    return out


def prod_others(x, axis):
    """Each element's product of the other elements along `axis`: the adjoint of a product.

    A prefix product times a suffix product, with no division, so it is right when `x`
    has zeros (``ans / x`` is not).
    """
    out = np.empty_like(x)
    v, w = x, out
    for a in range(axis % x.ndim, 0, -1):
        v, w = np.swapaxes(v, a, a - 1), np.swapaxes(w, a, a - 1)
    n = v.shape[0]
    if n == 0:
        return out
    w[0] = 1
    for k in range(1, n):  # w[k] = v[0] * ... * v[k - 1]
        w[k] = w[k - 1] * v[k - 1]
    after = v[n - 1]
    for k in range(n - 2, -1, -1):  # times v[k + 1] * ... * v[n - 1]
        w[k] = w[k] * after
        after = after * v[k]
    return out
