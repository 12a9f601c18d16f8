"""The 2-D test function of section 6.1, f(x, y) = x**2 / 20 + y**2, and optimizer paths on it."""

import numpy as np


def f(x, y):
    return x**2 / 20.0 + y**2


def df(x, y):
    """Gradient of f: (x / 10, 2 y)."""
    return x / 10.0, 2.0 * y


def optimize_path(optimizer, start=(-7.0, 2.0), steps=30):
    """Positions visited by ``optimizer`` from ``start``: an array of shape (steps + 1, 2).

    The parameters are 0-d float64 arrays in a dict, updated in place by
    ``optimizer.update(params, grads)`` exactly as a network's are. Row 0 is the start,
    row k the position after k updates (the book plots rows 0..steps-1 only).
    """
    params = {"x": np.array(float(start[0])), "y": np.array(float(start[1]))}
    path = [(float(params["x"]), float(params["y"]))]
    for _ in range(steps):
        gx, gy = df(params["x"], params["y"])
        optimizer.update(params, {"x": np.asarray(gx), "y": np.asarray(gy)})
        path.append((float(params["x"]), float(params["y"])))
    return np.array(path)
