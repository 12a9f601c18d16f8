"""Plain functions used by the layers: activations, softmax and cross-entropy."""

import numpy as np


def sigmoid(x):
    # 0.5 * (1 + tanh(x / 2)) equals 1 / (1 + exp(-x)) but never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def relu(x):
    return np.maximum(x, 0)


def softmax(x):
    """Row-wise softmax of a (N, C) array (or a single (C,) vector), numerically stable."""
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def to_class_indices(t):
    """Labels as integer class indices, whether given as indices or as one-hot rows."""
    t = np.asarray(t)
    return t.argmax(axis=1) if t.ndim == 2 else t


def cross_entropy_error(y, t):
    """Mean over the batch of -log(y[true class] + 1e-7), as the book computes it.

    ``y`` holds probabilities (N, C); ``t`` class indices (N,) or one-hot (N, C).
    """
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.asarray(t).reshape(1, -1)
    t = np.asarray(t)
    labels = t.argmax(axis=1) if t.size == y.size else t.reshape(-1)
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), labels] + 1e-7)) / n
