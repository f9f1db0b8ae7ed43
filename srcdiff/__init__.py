"""srcdiff: reverse-mode automatic differentiation by source transformation, compiled with numba.

>>> import srcdiff
>>> @srcdiff.grad
... def f(x):
...     return x * x
"""

__version__ = "0.1.0"

from . import testing  # noqa: E402
from .api import Transformed, defvjp, grad, show, value_and_grad, vjp  # noqa: E402
from .errors import Loc, SrcdiffError, SrcdiffWarning  # noqa: E402

__all__ = [
    "grad",
    "value_and_grad",
    "vjp",
    "show",
    "defvjp",
    "testing",
    "SrcdiffError",
    "SrcdiffWarning",
    "Loc",
    "Transformed",
    "__version__",
]
