"""Layers with ``forward`` / ``backward``, as in the book's ``common/layers.py``.

Parameters are numpy arrays owned by the network's ``params`` dict; a layer keeps a
reference to the same array, so an optimizer that updates ``params`` in place updates
the layer too. Gradients are stored on the layer (``dW``, ``db``, ``dgamma``, ``dbeta``).
"""

import numpy as np

from .functions import cross_entropy_error, sigmoid, softmax, to_class_indices


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x, train_flg=True):
        if train_flg:  # the mask is only needed for backward (skipped at inference)
            self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * self.mask


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x, train_flg=False):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x, train_flg=False):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out**2)


class Affine:
    """out = x @ W + b, for inputs of any shape (flattened to (N, -1))."""

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None
        # The first layer's input gradient is never used; skipping it saves the
        # largest matrix product of the backward pass (784 x 100 per sample).
        self.needs_input_grad = True

    def forward(self, x, train_flg=False):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        out = x @ self.W
        out += self.b
        return out

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        if not self.needs_input_grad:
            return None
        dx = dout @ self.W.T
        return dx.reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the book's cross-entropy; backward gives (y - t) / N."""

    def __init__(self):
        self.loss = None
        self.y = None
        self.labels = None

    def forward(self, x, t):
        self.labels = to_class_indices(t)
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.labels)
        return self.loss

    def backward(self, dout=1):
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.labels] -= 1
        dx *= dout / n
        return dx


class BatchNormalization:
    """Batch Normalization (Ioffe & Szegedy 2015) as in the book.

    Training uses the batch mean and the biased batch variance; inference uses
    running statistics that start at zero and follow
    ``running = momentum * running + (1 - momentum) * batch``.
    """

    eps = 1e-6  # the book writes 10e-7

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.input_shape = None
        self.batch_size = None
        self.xc = None
        self.xn = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        out = self._forward(x, train_flg)
        return out.reshape(self.input_shape)

    def _forward(self, x, train_flg):
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1], dtype=x.dtype)
            self.running_var = np.zeros(x.shape[1], dtype=x.dtype)
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + self.eps)
            xn = xc / std
            self.batch_size = x.shape[0]
            self.xc, self.xn, self.std = xc, xn, std
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        return self.gamma * xn + self.beta

    def backward(self, dout):
        dout = dout.reshape(dout.shape[0], -1)
        n = self.batch_size
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / n) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / n
        return dx.reshape(self.input_shape)


class Dropout:
    """The book's (non-inverted) Dropout.

    Training keeps a unit where a uniform draw exceeds ``dropout_ratio`` and does not
    rescale; inference multiplies by ``1 - dropout_ratio``. The masks come from ``rng``,
    a ``numpy.random.Generator``.
    """

    def __init__(self, dropout_ratio=0.5, rng=None):
        if not 0.0 <= dropout_ratio < 1.0:
            raise ValueError(f"dropout_ratio must be in [0, 1), got {dropout_ratio!r}")
        if rng is None:
            raise ValueError("Dropout needs rng, a numpy.random.Generator, for its masks")
        self.dropout_ratio = dropout_ratio
        self.rng = rng
        self.mask = None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = self.rng.random(x.shape, dtype=np.float32) > self.dropout_ratio
            return x * self.mask
        return x * np.asarray(1.0 - self.dropout_ratio, dtype=x.dtype)

    def backward(self, dout):
        return dout * self.mask
