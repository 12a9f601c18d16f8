"""MultiLayerNet: the book's MultiLayerNet and MultiLayerNetExtend in one class.

Layer order per hidden layer: Affine -> (BatchNorm) -> activation -> (Dropout);
then a last Affine and SoftmaxWithLoss.

Precision: parameters are float32 by default. On this kind of CPU float32 matrix
products run about twice as fast as float64 and the book's experiments do not need
more precision (the book itself feeds float32 images). Gradient checks need float64
(a central difference with h = 1e-4 in float32 is dominated by rounding), so pass
``dtype=np.float64`` for those.
"""

import math
import numbers

import numpy as np

from . import layers as L
from .gradient import numerical_gradient

ACTIVATIONS = {"relu": L.Relu, "sigmoid": L.Sigmoid, "tanh": L.Tanh}
# the weight stds known by name: the numerator of std = sqrt(k / fan_in) (Xavier's and He's)
NAMED_STDS = {"xavier": 1.0, "sigmoid": 1.0, "he": 2.0, "relu": 2.0}


def init_std(weight_init_std, fan_in):
    """Standard deviation of the initial weights of a layer with ``fan_in`` inputs.

    A positive number is used as is; ``'xavier'``/``'sigmoid'`` give sqrt(1/n) and
    ``'he'``/``'relu'`` give sqrt(2/n), with n the fan-in (as the book uses them).
    """
    if isinstance(weight_init_std, str):
        key = weight_init_std.lower()
        if key in NAMED_STDS:
            return math.sqrt(NAMED_STDS[key] / fan_in)
        raise ValueError(
            f"unknown weight_init_std {weight_init_std!r}; use a positive number, "
            "'xavier'/'sigmoid' or 'he'/'relu'"
        )
    if (
        isinstance(weight_init_std, bool)
        or not isinstance(weight_init_std, numbers.Real)
        or not weight_init_std > 0
        or not math.isfinite(weight_init_std)
    ):
        raise ValueError(f"weight_init_std must be > 0, got {weight_init_std!r}")
    return float(weight_init_std)


class MultiLayerNet:
    """A fully connected network with optional BatchNorm, Dropout and weight decay.

    ``params`` holds ``W1, b1, ..., W{L}, b{L}`` and, with BatchNorm,
    ``gamma1, beta1, ...`` for each hidden layer. All randomness (initial weights,
    dropout masks) comes from ``rng``, a ``numpy.random.Generator``.
    """

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0,
        use_batchnorm=False,
        use_dropout=False,
        dropout_ratio=0.5,
        rng=None,
        dtype=np.float32,
    ):
        if rng is None:
            raise ValueError("MultiLayerNet needs rng, a numpy.random.Generator (e.g. np.random.default_rng(0))")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        if weight_decay_lambda < 0:
            raise ValueError(f"weight_decay_lambda must be >= 0, got {weight_decay_lambda!r}")
        self.input_size = input_size
        self.hidden_size_list = list(hidden_size_list)
        self.output_size = output_size
        self.hidden_layer_num = len(self.hidden_size_list)
        self.activation = activation
        self.weight_decay_lambda = weight_decay_lambda
        self.use_batchnorm = use_batchnorm
        self.use_dropout = use_dropout
        self.dtype = np.dtype(dtype)
        self.params = {}

        sizes = [input_size] + self.hidden_size_list + [output_size]
        for i in range(1, len(sizes)):
            std = init_std(weight_init_std, sizes[i - 1])
            W = std * rng.standard_normal((sizes[i - 1], sizes[i]))
            self.params[f"W{i}"] = W.astype(self.dtype)
            self.params[f"b{i}"] = np.zeros(sizes[i], dtype=self.dtype)

        self.layers = {}
        for i in range(1, self.hidden_layer_num + 1):
            self.layers[f"Affine{i}"] = L.Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            if use_batchnorm:
                self.params[f"gamma{i}"] = np.ones(sizes[i], dtype=self.dtype)
                self.params[f"beta{i}"] = np.zeros(sizes[i], dtype=self.dtype)
                self.layers[f"BatchNorm{i}"] = L.BatchNormalization(
                    self.params[f"gamma{i}"], self.params[f"beta{i}"]
                )
            self.layers[f"Activation_function{i}"] = ACTIVATIONS[activation]()
            if use_dropout:
                self.layers[f"Dropout{i}"] = L.Dropout(dropout_ratio, rng=rng)
        last = self.hidden_layer_num + 1
        self.layers[f"Affine{last}"] = L.Affine(self.params[f"W{last}"], self.params[f"b{last}"])
        self.layers["Affine1"].needs_input_grad = False
        self.last_layer = L.SoftmaxWithLoss()

    def select_inputs(self, columns):
        """Read only the input features ``columns`` (indices into the current inputs).

        Meant for features that are 0 in every sample the network will see (MNIST's blank
        border pixels): they add exactly 0 to ``x @ W1`` and get no gradient from the
        data, so dropping them, and their rows of W1, leaves every output and every other
        parameter's training unchanged, with fewer multiplications. The dropped rows also
        leave the weight-decay penalty; they would change no output either way.
        Call it before training: inputs must then have ``len(columns)`` features.
        """
        columns = np.asarray(columns)
        if columns.ndim != 1 or len(columns) == 0:
            raise ValueError(f"columns must be a non-empty 1-D index array, got shape {columns.shape}")
        if columns.min() < 0 or columns.max() >= self.input_size:
            raise ValueError(f"columns must lie in [0, {self.input_size}), got {columns.min()}..{columns.max()}")
        self.params["W1"] = np.ascontiguousarray(self.params["W1"][columns])
        self.layers["Affine1"].W = self.params["W1"]
        self.input_size = len(columns)
        return self

    def predict(self, x, train_flg=False):
        for layer in self.layers.values():
            x = layer.forward(x, train_flg)
        return x

    def loss(self, x, t, train_flg=False):
        """Cross-entropy plus 0.5 * lambda * sum of squared weights over every W."""
        y = self.predict(x, train_flg)
        loss = self.last_layer.forward(y, t)
        if self.weight_decay_lambda:
            squares = sum(np.vdot(W, W) for W in (self.params[f"W{i}"] for i in range(1, self.hidden_layer_num + 2)))
            loss = loss + 0.5 * self.weight_decay_lambda * squares
        return loss

    def accuracy(self, x, t, batch_size=1000):
        """Fraction of correct predictions (inference mode), computed in chunks.

        Chunks of 1,000 rows keep each layer's activations in the CPU cache: evaluating
        the 10,000 test images that way is about 5% faster than in one piece.
        """
        labels = np.asarray(t)
        labels = labels.argmax(axis=1) if labels.ndim == 2 else labels
        correct = 0
        for start in range(0, x.shape[0], batch_size):
            y = self.predict(x[start : start + batch_size], train_flg=False)
            correct += int(np.sum(y.argmax(axis=1) == labels[start : start + batch_size]))
        return correct / x.shape[0]

    def gradient(self, x, t):
        """Gradients of ``loss(x, t, train_flg=True)`` by backpropagation.

        Returns a dict with the same keys as ``params``. The loss of this forward pass
        is kept in ``self.last_loss``.
        """
        self.last_loss = self.loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)

        lam = self.weight_decay_lambda
        grads = {}
        for i in range(1, self.hidden_layer_num + 2):
            affine = self.layers[f"Affine{i}"]
            grads[f"W{i}"] = affine.dW + lam * affine.W if lam else affine.dW
            grads[f"b{i}"] = affine.db
            if self.use_batchnorm and i <= self.hidden_layer_num:
                grads[f"gamma{i}"] = self.layers[f"BatchNorm{i}"].dgamma
                grads[f"beta{i}"] = self.layers[f"BatchNorm{i}"].dbeta
        return grads

    def numerical_gradient(self, x, t, h=1e-4):
        """Gradients of ``loss(x, t, train_flg=True)`` by central differences (slow)."""
        return {
            key: numerical_gradient(lambda _: self.loss(x, t, train_flg=True), param, h)
            for key, param in self.params.items()
        }
