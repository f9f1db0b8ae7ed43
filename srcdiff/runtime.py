"""Helpers that generated code calls (numba compiles them alongside it)."""

import numpy as np


def push(tape, k, value):
    """``tape[k] = value``, doubling `tape` first if it is full; returns the tape to use next."""
    if k >= tape.shape[0]:
        grown = np.empty(max(2 * tape.shape[0], 16), tape.dtype)
        grown[: tape.shape[0]] = tape
        tape = grown
    tape[k] = value
    return tape
