"""srcdiff in one screen: a function, its gradient, and the code srcdiff wrote for it."""

import math

import srcdiff


def neuron(w0, x0, w1, x1, b):
    """A sigmoid neuron: 1 / (1 + exp(-(w0*x0 + w1*x1 + b)))."""
    z = w0 * x0 + w1 * x1 + b
    return 1.0 / (1.0 + math.exp(-z))


grad_neuron = srcdiff.value_and_grad(neuron, wrt=("w0", "w1", "b"))

value, (d_w0, d_w1, d_b) = grad_neuron(2.0, -1.0, -3.0, -2.0, -3.0)
print(f"neuron = {value:.6f}")
print(f"d/dw0 = {d_w0:.6f}   d/dw1 = {d_w1:.6f}   d/db = {d_b:.6f}")
print()
print(grad_neuron.source)
