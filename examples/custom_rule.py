"""A user-defined derivative rule, registered with the decorator srcdiff's own table uses.

minitorch writes a function with its own forward and backward and saved values as

    class Square(ScalarFunction):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, d_out):
            x = ctx.saved_values
            return 2 * x * d_out

In srcdiff the forward is the plain function and the backward is its rule. The rule's
parameters are the output's adjoint `g`, the output `ans`, and the inputs: the values
the rule reads are exactly what the forward pass saves (here `x`), so there is no `ctx`.
"""

import math

import srcdiff


def square(x):
    return x * x


@srcdiff.defvjp(square)
def square_vjp(g, ans, x):
    return (2 * x * g,)


def softplus(x):
    """log(1 + exp(x)), stable for large x; srcdiff would differentiate this one by itself,
    but a rule can be cheaper: the derivative is the logistic function."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@srcdiff.defvjp(softplus)
def softplus_vjp(g, ans, x):
    return (g / (1.0 + math.exp(-x)),)


def loss(x, y):
    return square(x - y) + softplus(x * y)


d_loss = srcdiff.grad(loss, wrt=("x", "y"))  # compiled by numba, rules inlined
print("gradient:", d_loss(1.5, 0.5))
srcdiff.testing.check_grads(loss, (1.5, 0.5), backend="numba")
print("matches central finite differences")
print()
print(d_loss.source)
