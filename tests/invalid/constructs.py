"""Syntax outside srcdiff's subset: each function holds one construct, on its ERROR-LINE."""

import math

COUNTER = 0.0


def try_except(x):
    try:  # ERROR-LINE
        y = 1.0 / x
    except ZeroDivisionError:
        y = 0.0
    return y


def with_statement(x):
    with open(__file__):  # ERROR-LINE
        y = x * 2.0
    return y


def generator(x):
    yield x * 2.0  # ERROR-LINE


def generator_after_assignment(x):
    y = x * 2.0
    yield y  # ERROR-LINE


def generator_assigned(x):
    y = yield x  # ERROR-LINE
    return y


async def async_def(x):  # ERROR-LINE
    return x * 2.0


def lambda_inside(x):
    square = lambda t: t * t  # ERROR-LINE
    return square(x)


def class_inside(x):
    class Scale:  # ERROR-LINE
        factor = 2.0

    return x * Scale.factor


def nested_def(x):
    def square(t):  # ERROR-LINE
        return t * t

    return square(x)


def global_statement(x):
    global COUNTER  # ERROR-LINE
    COUNTER = x
    return x


def make_nonlocal():
    total = 0.0

    def nonlocal_statement(x):
        nonlocal total  # ERROR-LINE
        total = x
        return x

    return nonlocal_statement


nonlocal_statement = make_nonlocal()


def list_comprehension(x):
    y = sum([x * k for k in (1.0, 2.0)])  # ERROR-LINE
    return y


def set_comprehension(x):
    y = max({x * k for k in (1.0, 2.0)})  # ERROR-LINE
    return y


def dict_comprehension(x):
    scaled = {k: x * k for k in (1.0, 2.0)}  # ERROR-LINE
    return x * len(scaled)


def generator_expression(x):
    y = sum(x * k for k in (1.0, 2.0))  # ERROR-LINE
    return y


def string_value(x):
    label = "radius"  # ERROR-LINE
    return x * len(label)


def string_of_number(x):
    label = str(x)  # ERROR-LINE
    return x * len(label)


def f_string(x):
    label = f"x = {x}"  # ERROR-LINE
    return x * len(label)


def expression_statement_first(x):
    x * 2.0  # ERROR-LINE
    return x


def print_statement(x):
    y = x * 2.0
    print(y)  # ERROR-LINE
    return y


def walrus(x):
    y = (z := x * 2.0) + z  # ERROR-LINE
    return y


def del_statement(x):
    y = x * 2.0
    del y  # ERROR-LINE
    return x


def assert_statement(x):
    assert x > 0.0  # ERROR-LINE
    return math.log(x)


def raise_statement(x):
    y = x * 2.0
    raise ValueError(y)  # ERROR-LINE


def import_inside(x):
    import cmath  # ERROR-LINE

    return cmath.sqrt(x).real


def import_from_inside(x):
    from math import sin  # ERROR-LINE

    return sin(x)


def star_args(*xs):  # ERROR-LINE
    return xs


def star_kwargs(x, **options):  # ERROR-LINE
    return x


def attribute_of_number(x):
    return x.real  # ERROR-LINE
