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


def push_array(tape, k, value):
    """``tape[k] = value`` for an array value: `tape` has one more axis, and grows (and takes
    the value's shape) when it is full or empty."""
    if k >= tape.shape[0] or tape.shape[1:] != value.shape:
        grown = np.empty((max(2 * tape.shape[0], 16),) + value.shape, value.dtype)
        if tape.shape[1:] == value.shape:
            grown[: tape.shape[0]] = tape
        tape = grown
    tape[k] = value
    return tape


def push(tape, k, value):
    """``tape[k] = value``, doubling `tape` first if it is full; returns the tape to use next."""
    if k >= tape.shape[0]:
        grown = np.empty(max(2 * tape.shape[0], 16), tape.dtype)
        grown[: tape.shape[0]] = tape
        tape = grown
    tape[k] = value
    return tape


def sum_to(c, x):
    """`c` summed over the axes along which `x` (of the same ndim) was broadcast to `c`'s shape."""
    if c.shape == x.shape:
        return c
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
