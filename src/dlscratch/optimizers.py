"""Parameter updates of section 6.1, with the book's formulas and defaults.

Every optimizer has one method, ``update(params, grads)``: ``params`` and ``grads`` are
dicts of numpy arrays with the same keys, and the arrays in ``params`` are changed
**in place** (the layers hold references to them). State (velocities, squared-gradient
sums) is created lazily at the first update, one array per key.

An optimizer is declared once, here: its class, its name in ``OPTIMIZERS`` (what the config
calls it), and its hyperparameters in its signature, each with its default and its kind
(``Positive``, ``Fraction``). The config's schema is derived from them
(``hyperparameter_schemas``), and so are the names the claims use (the class's name).
"""

import inspect
import math
import numbers
import typing

import numpy as np

EPS = 1e-7  # added outside the square root, as in the book

# The kinds of hyperparameter: each a float, with the JSON Schema the config checks it against
# (the class checks it again when it is made: _positive, _in_unit_interval).
Positive = typing.Annotated[float, {"type": "number", "exclusiveMinimum": 0}]
Fraction = typing.Annotated[float, {"type": "number", "minimum": 0, "exclusiveMaximum": 1}]


class SGD:
    """theta <- theta - lr * g"""

    def __init__(self, lr: Positive = 0.01):
        self.lr = _positive("lr", lr)

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """v <- momentum * v - lr * g;  theta <- theta + v"""

    def __init__(self, lr: Positive = 0.01, momentum: Fraction = 0.9):
        self.lr = _positive("lr", lr)
        self.momentum = _in_unit_interval("momentum", momentum)
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            v = self.v[key]
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += v


class Nesterov:
    """Nesterov's accelerated gradient in the book's corrected form.

    theta <- theta + momentum^2 v - (1 + momentum) lr g;  then  v <- momentum v - lr g
    """

    def __init__(self, lr: Positive = 0.01, momentum: Fraction = 0.9):
        self.lr = _positive("lr", lr)
        self.momentum = _in_unit_interval("momentum", momentum)
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        mu = self.momentum
        for key in params:
            v = self.v[key]
            params[key] += mu * mu * v
            params[key] -= (1 + mu) * self.lr * grads[key]
            v *= mu
            v -= self.lr * grads[key]


class AdaGrad:
    """h <- h + g^2;  theta <- theta - lr * g / (sqrt(h) + 1e-7)"""

    def __init__(self, lr: Positive = 0.01):
        self.lr = _positive("lr", lr)
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            g = grads[key]
            self.h[key] += g * g
            params[key] -= self.lr * g / (np.sqrt(self.h[key]) + EPS)


class RMSprop:
    """h <- decay_rate * h + (1 - decay_rate) g^2;  theta <- theta - lr g / (sqrt(h) + 1e-7)"""

    def __init__(self, lr: Positive = 0.01, decay_rate: Fraction = 0.99):
        self.lr = _positive("lr", lr)
        self.decay_rate = _in_unit_interval("decay_rate", decay_rate)
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            g = grads[key]
            h = self.h[key]
            h *= self.decay_rate
            h += (1 - self.decay_rate) * g * g
            params[key] -= self.lr * g / (np.sqrt(h) + EPS)


class Adam:
    """Adam (Kingma & Ba 2015) with the bias correction folded into the step size.

    t <- t + 1;  lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)
    m <- m + (1 - beta1)(g - m);  v <- v + (1 - beta2)(g^2 - v)
    theta <- theta - lr_t m / (sqrt(v) + 1e-7)
    """

    def __init__(self, lr: Positive = 0.001, beta1: Fraction = 0.9, beta2: Fraction = 0.999):
        self.lr = _positive("lr", lr)
        self.beta1 = _in_unit_interval("beta1", beta1)
        self.beta2 = _in_unit_interval("beta2", beta2)
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(val) for key, val in params.items()}
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        self.iter += 1
        t = self.iter
        lr_t = self.lr * math.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        for key in params:
            g = grads[key]
            self.m[key] += (1 - self.beta1) * (g - self.m[key])
            self.v[key] += (1 - self.beta2) * (g * g - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + EPS)


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def _class(name):
    cls = OPTIMIZERS.get(str(name).lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    return cls


def hyperparameter_schemas():
    """{hyperparameter: its JSON Schema} of every optimizer's, from their signatures (the
    config's optimizer specs are checked against these)."""
    out = {}
    for cls in OPTIMIZERS.values():
        hints = typing.get_type_hints(cls.__init__, include_extras=True)
        for name in list(inspect.signature(cls.__init__).parameters)[1:]:
            kind = hints.get(name)
            if typing.get_origin(kind) is not typing.Annotated:
                raise TypeError(f"{cls.__name__}.__init__: hyperparameter {name!r} has no kind (Positive, Fraction, "
                                "...): the config's schema is derived from it")
            out.setdefault(name, dict(kind.__metadata__[0]))
    return out


def hyperparameters(name, **given):
    """Every hyperparameter of the optimizer ``name``: the ``given`` ones, the book's
    defaults for the others (``hyperparameters("adam")`` gives lr 0.001, beta1 0.9, beta2 0.999)."""
    parameters = list(inspect.signature(_class(name).__init__).parameters.values())[1:]
    return {p.name: given.get(p.name, p.default) for p in parameters}


def make_optimizer(name, **hyperparameters):
    """An optimizer from its name (case-insensitive) and keyword hyperparameters.

    ``make_optimizer("Momentum", lr=0.1)``; unknown names, unknown hyperparameters and
    invalid values raise ``ValueError`` naming the offending value.
    """
    cls = _class(name)
    accepted = cls.__init__.__code__.co_varnames[1 : cls.__init__.__code__.co_argcount]
    unknown = sorted(set(hyperparameters) - set(accepted))
    if unknown:
        raise ValueError(
            f"optimizer {name!r} has no hyperparameter {unknown[0]!r}; it takes {list(accepted)}"
        )
    return cls(**hyperparameters)


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _positive(name, value):
    value = _number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _in_unit_interval(name, value):
    value = _number(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value
