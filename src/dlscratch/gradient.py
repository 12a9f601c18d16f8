"""Numerical gradients by central differences, for checking backpropagation."""

import numpy as np


def numerical_gradient(f, x, h=1e-4):
    """Gradient of the scalar function ``f(x)`` at ``x`` by central differences.

    ``x`` is perturbed in place, one element at a time, and restored; ``f`` is called
    with ``x`` (it may ignore the argument and read ``x`` through a closure, as the
    network's parameters are).
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + h
        f_plus = float(f(x))
        x[idx] = original - h
        f_minus = float(f(x))
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), 0 when both are zero.

    Meaningless for a gradient that is zero in exact arithmetic (a bias followed by
    BatchNorm): there both sides are rounding noise; compare those absolutely.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
