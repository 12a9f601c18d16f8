"""Gradient checks of every layer against central differences, float64, batch >= 2."""

import numpy as np
import pytest

from dlscratch import layers as L
from dlscratch.functions import cross_entropy_error, sigmoid, softmax
from dlscratch.gradient import numerical_gradient, relative_error

TOL = 1e-6


def check_input_gradient(layer, x, rng, train_flg=True):
    """Compare backward(dout) with the numerical gradient of sum(forward(x) * dout)."""
    out = layer.forward(x, train_flg)
    dout = rng.standard_normal(out.shape)
    analytic = layer.backward(dout)
    numeric = numerical_gradient(lambda _: np.sum(layer.forward(x, train_flg) * dout), x)
    return relative_error(analytic, numeric)


@pytest.mark.parametrize("cls", [L.Sigmoid, L.Tanh])
def test_smooth_activation_gradients(cls, rng):
    x = rng.standard_normal((4, 6))
    assert check_input_gradient(cls(), x, rng) < TOL


def test_relu_gradient_away_from_kink(rng):
    x = rng.standard_normal((4, 6))
    x[np.abs(x) < 0.01] = 0.5  # central difference is undefined at the kink
    err = check_input_gradient(L.Relu(), x, rng)
    assert err < TOL


def test_relu_forward_values():
    out = L.Relu().forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(out, [[0.0, 0.0, 2.0]])


def test_sigmoid_matches_definition_and_does_not_overflow():
    x = np.array([-800.0, -3.0, 0.0, 3.0, 800.0])
    with np.errstate(over="raise"):
        y = sigmoid(x)
    np.testing.assert_allclose(y[1:4], 1 / (1 + np.exp(-x[1:4])), rtol=1e-12)
    assert y[0] == 0.0 and y[-1] == 1.0


def test_affine_gradients(rng):
    W = rng.standard_normal((6, 3))
    b = rng.standard_normal(3)
    layer = L.Affine(W, b)
    x = rng.standard_normal((5, 6))
    assert check_input_gradient(layer, x, rng) < TOL
    dout = rng.standard_normal((5, 3))
    layer.forward(x)
    layer.backward(dout)
    num_W = numerical_gradient(lambda _: np.sum(layer.forward(x) * dout), W)
    num_b = numerical_gradient(lambda _: np.sum(layer.forward(x) * dout), b)
    assert relative_error(layer.dW, num_W) < TOL
    assert relative_error(layer.db, num_b) < TOL


def test_affine_accepts_image_shaped_input(rng):
    layer = L.Affine(rng.standard_normal((12, 2)), np.zeros(2))
    x = rng.standard_normal((3, 1, 3, 4))
    out = layer.forward(x)
    assert out.shape == (3, 2)
    assert layer.backward(np.ones((3, 2))).shape == x.shape


def test_softmax_is_stable_and_normalised():
    y = softmax(np.array([[1000.0, 1000.0, 0.0], [1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    np.testing.assert_allclose(y[0], [0.5, 0.5, 0.0], atol=1e-12)


def test_cross_entropy_matches_book_formula():
    y = np.array([[0.1, 0.7, 0.2], [0.3, 0.3, 0.4]])
    expected = -(np.log(0.7 + 1e-7) + np.log(0.4 + 1e-7)) / 2
    assert cross_entropy_error(y, np.array([1, 2])) == pytest.approx(expected)
    assert cross_entropy_error(y, np.eye(3)[[1, 2]]) == pytest.approx(expected)


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss_gradient(one_hot, rng):
    x = rng.standard_normal((4, 5))
    labels = np.array([0, 3, 4, 1])
    t = np.eye(5)[labels] if one_hot else labels
    layer = L.SoftmaxWithLoss()
    layer.forward(x, t)
    analytic = layer.backward()
    # backward is the exact gradient of -mean(log softmax); the book's loss adds 1e-7
    # inside the log, which shifts its gradient by a relative ~1e-7 / p_true.
    exact_loss = lambda _: -np.mean(np.log(softmax(x)[np.arange(4), labels]))
    assert relative_error(analytic, numerical_gradient(exact_loss, x)) < 1e-8
    assert relative_error(analytic, numerical_gradient(lambda _: layer.forward(x, t), x)) < 1e-5
    np.testing.assert_allclose(analytic, (softmax(x) - np.eye(5)[labels]) / 4)


def test_batchnorm_gradients(rng):
    gamma = rng.uniform(0.5, 1.5, 5)
    beta = rng.standard_normal(5)
    bn = L.BatchNormalization(gamma, beta)
    x = rng.standard_normal((6, 5)) * 3 + 1
    dout = rng.standard_normal((6, 5))
    assert check_input_gradient(bn, x, rng) < TOL
    bn.forward(x, True)
    bn.backward(dout)
    num_gamma = numerical_gradient(lambda _: np.sum(bn.forward(x, True) * dout), gamma)
    num_beta = numerical_gradient(lambda _: np.sum(bn.forward(x, True) * dout), beta)
    assert relative_error(bn.dgamma, num_gamma) < TOL
    assert relative_error(bn.dbeta, num_beta) < TOL


def test_batchnorm_statistics(rng):
    bn = L.BatchNormalization(np.ones(3), np.zeros(3), momentum=0.9)
    x = rng.standard_normal((50, 3)) * 4 + 2
    out = bn.forward(x, train_flg=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-6), rtol=1e-9)
    # running statistics start at zero and move 10% of the way
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.1 * x.var(axis=0))
    inference = bn.forward(x, train_flg=False)
    np.testing.assert_allclose(inference, (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-6))


def test_dropout_is_the_books_non_inverted_form(rng):
    layer = L.Dropout(0.25, rng=np.random.default_rng(0))
    x = rng.standard_normal((200, 50))
    out = layer.forward(x, train_flg=True)
    kept = layer.mask
    np.testing.assert_array_equal(out, x * kept)  # no rescaling
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(layer.forward(x, train_flg=False), x * 0.75)
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(layer.backward(dout), dout * kept)


def test_dropout_masks_come_from_the_generator(rng):
    x = np.ones((4, 10))
    a = L.Dropout(0.5, rng=np.random.default_rng(7)).forward(x, True)
    b = L.Dropout(0.5, rng=np.random.default_rng(7)).forward(x, True)
    c = L.Dropout(0.5, rng=np.random.default_rng(8)).forward(x, True)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_ratio(ratio):
    with pytest.raises(ValueError, match="dropout_ratio"):
        L.Dropout(ratio, rng=np.random.default_rng(0))
