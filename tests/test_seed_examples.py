"""Worked examples with known gradients (CS231n, micrograd, ...), checked exactly on both backends."""

import math

import pytest

import srcdiff


def circuit(x, y, z):
    return (x + y) * z


def expression_graph(a, b, c, f):
    e = a * b
    d = e + c
    L = f * d
    return L


def double(a):
    b = a + a
    return b


def sigmoid_neuron(w0, x0, w1, x1, w2):
    return 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))


def times_five(x):
    return x * 5


def times_twenty_five(x):
    return times_five(times_five(x))


def tanh_neuron(x1, x2, w1, w2, b):
    n = x1 * w1 + x2 * w2 + b
    o = math.tanh(n)
    return o


def test_circuit(backend):
    g = srcdiff.grad(circuit, wrt=(0, 1, 2), backend=backend)(-2.0, 5.0, -4.0)
    assert g == pytest.approx((-4.0, -4.0, 3.0))


def test_circuit_value_and_grad_by_name(backend):
    value, g = srcdiff.value_and_grad(circuit, wrt=("x", "y", "z"), backend=backend)(-2.0, 5.0, -4.0)
    assert value == pytest.approx(-12.0)
    assert g == pytest.approx((-4.0, -4.0, 3.0))


def test_expression_graph(backend):
    g = srcdiff.grad(expression_graph, wrt=(0, 1, 2, 3), backend=backend)(2.0, -3.0, 5.0, -2.0)
    assert g == pytest.approx((6.0, -4.0, -2.0, -1.0))


def test_reuse_accumulates(backend):
    assert srcdiff.grad(double, backend=backend)(3.0) == pytest.approx(2.0)


def test_sigmoid_neuron(backend):
    g = srcdiff.grad(sigmoid_neuron, wrt=(0, 1, 2, 3, 4), backend=backend)(2.0, -1.0, -3.0, -2.0, -3.0)
    assert g == pytest.approx((-0.197, 0.393, -0.393, -0.590, 0.197), abs=1e-3)


def test_nested_helper_calls(backend):
    value, g = srcdiff.value_and_grad(times_twenty_five, backend=backend)(1.5)
    assert value == pytest.approx(37.5)
    assert g == pytest.approx(25.0)


def test_micrograd_tanh_neuron(backend):
    value, g = srcdiff.value_and_grad(tanh_neuron, wrt=("x1", "w1", "x2", "w2"), backend=backend)(
        2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    )
    assert value == pytest.approx(math.sqrt(0.5), abs=1e-6)
    assert g == pytest.approx((-1.5, 1.0, 0.5, 0.0), abs=1e-6)
