"""Optimizers: exact update formulas against hand-written expectations, in-place updates,
the factory's validation, and the paths on f(x, y) = x^2/20 + y^2."""

import math

import numpy as np
import pytest

from dlscratch.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop, make_optimizer
from dlscratch.surface import f, optimize_path

GRADS = [np.array([0.5, -2.0]), np.array([1.5, 0.25]), np.array([-1.0, 3.0])]
THETA0 = np.array([1.0, -1.0])


def run(optimizer, theta0=THETA0, grads=GRADS):
    params = {"w": theta0.copy()}
    array = params["w"]
    history = []
    for g in grads:
        optimizer.update(params, {"w": g.copy()})
        history.append(params["w"].copy())
    assert params["w"] is array, "update must change the array in place"
    return history


def test_sgd():
    lr = 0.1
    expected, theta = [], THETA0.copy()
    for g in GRADS:
        theta = theta - lr * g
        expected.append(theta)
    np.testing.assert_allclose(run(SGD(lr)), expected, rtol=0, atol=1e-15)


def test_sgd_first_step_by_hand():
    (first, *_) = run(SGD(0.1))
    np.testing.assert_allclose(first, [1.0 - 0.05, -1.0 + 0.2])


def test_momentum():
    lr, mu = 0.1, 0.9
    v, theta, expected = np.zeros(2), THETA0.copy(), []
    for g in GRADS:
        v = mu * v - lr * g
        theta = theta + v
        expected.append(theta)
    np.testing.assert_allclose(run(Momentum(lr, mu)), expected, atol=1e-15)
    # second step by hand: v1 = -0.1 g0, v2 = 0.9 v1 - 0.1 g1
    v1 = -0.1 * GRADS[0]
    np.testing.assert_allclose(run(Momentum(0.1))[1], THETA0 + v1 + (0.9 * v1 - 0.1 * GRADS[1]))


def test_nesterov_corrected_form():
    lr, mu = 0.1, 0.9
    v, theta, expected = np.zeros(2), THETA0.copy(), []
    for g in GRADS:
        theta = theta + mu * mu * v - (1 + mu) * lr * g
        v = mu * v - lr * g
        expected.append(theta)
    np.testing.assert_allclose(run(Nesterov(lr, mu)), expected, atol=1e-15)


def test_adagrad():
    lr = 0.5
    h, theta, expected = np.zeros(2), THETA0.copy(), []
    for g in GRADS:
        h = h + g * g
        theta = theta - lr * g / (np.sqrt(h) + 1e-7)
        expected.append(theta)
    np.testing.assert_allclose(run(AdaGrad(lr)), expected, atol=1e-15)
    # first step moves every coordinate by lr * sign(g) (up to eps)
    np.testing.assert_allclose(run(AdaGrad(lr))[0], THETA0 - lr * np.sign(GRADS[0]), atol=1e-6)


def test_rmsprop():
    lr, rho = 0.01, 0.99
    h, theta, expected = np.zeros(2), THETA0.copy(), []
    for g in GRADS:
        h = rho * h + (1 - rho) * g * g
        theta = theta - lr * g / (np.sqrt(h) + 1e-7)
        expected.append(theta)
    np.testing.assert_allclose(run(RMSprop(lr, rho)), expected, atol=1e-15)


def test_adam():
    lr, b1, b2 = 0.3, 0.9, 0.999
    m, v, theta, expected = np.zeros(2), np.zeros(2), THETA0.copy(), []
    for t, g in enumerate(GRADS, start=1):
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        m = m + (1 - b1) * (g - m)
        v = v + (1 - b2) * (g * g - v)
        theta = theta - lr_t * m / (np.sqrt(v) + 1e-7)
        expected.append(theta)
    np.testing.assert_allclose(run(Adam(lr, b1, b2)), expected, atol=1e-14)
    # Adam's first step has size ~lr in every coordinate
    np.testing.assert_allclose(np.abs(run(Adam(lr))[0] - THETA0), lr, rtol=1e-5)


def test_defaults_are_the_books():
    assert SGD().lr == 0.01
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert (Nesterov().lr, Nesterov().momentum) == (0.01, 0.9)
    assert AdaGrad().lr == 0.01
    assert (RMSprop().lr, RMSprop().decay_rate) == (0.01, 0.99)
    assert (Adam().lr, Adam().beta1, Adam().beta2) == (0.001, 0.9, 0.999)


def test_float32_params_stay_float32():
    for name in ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]:
        params = {"w": np.ones(3, dtype=np.float32)}
        make_optimizer(name).update(params, {"w": np.full(3, 0.5, dtype=np.float32)})
        assert params["w"].dtype == np.float32, name


def test_factory_builds_by_name():
    opt = make_optimizer("Momentum", lr=0.2, momentum=0.5)
    assert isinstance(opt, Momentum) and opt.lr == 0.2 and opt.momentum == 0.5
    assert isinstance(make_optimizer("ADAM"), Adam)


@pytest.mark.parametrize(
    "name, kwargs, needle",
    [
        ("adadelta", {}, "adadelta"),
        ("sgd", {"lr": 0}, "lr"),
        ("sgd", {"lr": -0.1}, "lr"),
        ("sgd", {"lr": float("nan")}, "lr"),
        ("sgd", {"lr": "0.1"}, "lr"),
        ("momentum", {"momentum": 1.0}, "momentum"),
        ("momentum", {"momentum": -0.1}, "momentum"),
        ("rmsprop", {"decay_rate": 1.5}, "decay_rate"),
        ("adam", {"beta2": 1.0}, "beta2"),
        ("sgd", {"momentum": 0.9}, "momentum"),
        ("adam", {"learning_rate": 0.1}, "learning_rate"),
    ],
)
def test_factory_rejects_bad_input(name, kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        make_optimizer(name, **kwargs)


# --- paths on f(x, y) = x^2/20 + y^2, expected values from independent scalar loops ---

def grad(x, y):
    return x / 10.0, 2.0 * y


def sgd_path(lr, steps=30):
    x, y = -7.0, 2.0
    for _ in range(steps):
        gx, gy = grad(x, y)
        x, y = x - lr * gx, y - lr * gy
    return x, y


def momentum_path(lr, mu=0.9, steps=30):
    x, y, vx, vy = -7.0, 2.0, 0.0, 0.0
    for _ in range(steps):
        gx, gy = grad(x, y)
        vx, vy = mu * vx - lr * gx, mu * vy - lr * gy
        x, y = x + vx, y + vy
    return x, y


def adagrad_path(lr, steps=30):
    x, y, hx, hy = -7.0, 2.0, 0.0, 0.0
    for _ in range(steps):
        gx, gy = grad(x, y)
        hx, hy = hx + gx * gx, hy + gy * gy
        x, y = x - lr * gx / (math.sqrt(hx) + 1e-7), y - lr * gy / (math.sqrt(hy) + 1e-7)
    return x, y


def adam_path(lr, b1=0.9, b2=0.999, steps=30):
    x, y = -7.0, 2.0
    m, v = [0.0, 0.0], [0.0, 0.0]
    for t in range(1, steps + 1):
        g = grad(x, y)
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        pos = [x, y]
        for i in range(2):
            m[i] += (1 - b1) * (g[i] - m[i])
            v[i] += (1 - b2) * (g[i] ** 2 - v[i])
            pos[i] -= lr_t * m[i] / (math.sqrt(v[i]) + 1e-7)
        x, y = pos
    return x, y


@pytest.mark.parametrize(
    "optimizer, expected",
    [
        (SGD(0.95), sgd_path(0.95)),
        (Momentum(0.1), momentum_path(0.1)),
        (AdaGrad(1.5), adagrad_path(1.5)),
        (Adam(0.3), adam_path(0.3)),
    ],
)
def test_book_paths_on_the_2d_function(optimizer, expected):
    path = optimize_path(optimizer, start=(-7.0, 2.0), steps=30)
    assert path.shape == (31, 2)
    np.testing.assert_array_equal(path[0], [-7.0, 2.0])
    np.testing.assert_allclose(path[-1], expected, rtol=1e-12, atol=1e-14)
    assert f(*path[-1]) == pytest.approx(f(*expected), rel=1e-12, abs=1e-15)


def test_adagrad_ends_closest_to_the_minimum_with_the_books_settings():
    finals = {
        name: f(*optimize_path(opt)[-1])
        for name, opt in [("SGD", SGD(0.95)), ("Momentum", Momentum(0.1)), ("AdaGrad", AdaGrad(1.5)), ("Adam", Adam(0.3))]
    }
    assert min(finals, key=finals.get) == "AdaGrad"
    # SGD with lr 0.95 oscillates in y (factor 1 - 0.95*2 = -0.9 per step) and crawls in x
    assert finals["SGD"] == pytest.approx((-7 * 0.905**30) ** 2 / 20 + (2 * 0.9**30) ** 2, rel=1e-9)
