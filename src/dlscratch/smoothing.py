"""The book's ``smooth_curve`` for noisy loss curves."""

import numpy as np


def smooth_curve(x, window_len=11, beta=2):
    """Smooth a 1-D series with a normalised Kaiser window, keeping its length.

    The start is padded with the ``window_len - 1`` values after the first, reversed,
    and the end with the last ``window_len - 1`` values, reversed, as the book does.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < window_len:
        raise ValueError(f"smooth_curve needs a 1-D series of at least {window_len} values, got shape {x.shape}")
    padded = np.r_[x[window_len - 1 : 0 : -1], x, x[-1:-window_len:-1]]
    window = np.kaiser(window_len, beta)
    y = np.convolve(window / window.sum(), padded, mode="valid")
    half = window_len // 2
    return y[half : len(y) - half]
