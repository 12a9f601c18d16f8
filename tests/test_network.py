"""MultiLayerNet: gradient checks (float64, batch >= 2), weight decay, init, modes."""

import math

import numpy as np
import pytest

from dlscratch.gradient import relative_error
from dlscratch.network import MultiLayerNet, init_std

TOL = 1e-6


def small_net(seed=0, **kwargs):
    kwargs.setdefault("activation", "relu")
    return MultiLayerNet(6, [5, 4], 3, rng=np.random.default_rng(seed), dtype=np.float64, **kwargs)


def small_batch(n=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6)), rng.integers(0, 3, n)


def worst_error(net, x, t, before_each_loss=lambda: None):
    before_each_loss()
    analytic = net.gradient(x, t)
    numeric = {}
    for key, param in net.params.items():
        def f(_):
            before_each_loss()
            return net.loss(x, t, train_flg=True)
        from dlscratch.gradient import numerical_gradient
        numeric[key] = numerical_gradient(f, param)
    assert analytic.keys() == net.params.keys()
    # A bias followed by BatchNorm has an exactly zero gradient (BN removes the
    # mean): both sides are rounding noise there, so check it absolutely instead.
    zero = {f"b{i}" for i in range(1, len(net.hidden_size_list) + 1)} if net.use_batchnorm else set()
    for key in zero:
        assert np.abs(analytic[key]).max() < 1e-10 and np.abs(numeric[key]).max() < 1e-10
    return max(relative_error(analytic[k], numeric[k]) for k in net.params if k not in zero)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_gradient_check(activation, use_batchnorm):
    net = small_net(activation=activation, use_batchnorm=use_batchnorm, weight_init_std=0.5)
    x, t = small_batch()
    assert worst_error(net, x, t) < TOL


@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_gradient_check_with_weight_decay(use_batchnorm):
    net = small_net(weight_decay_lambda=0.1, use_batchnorm=use_batchnorm, weight_init_std=0.5)
    x, t = small_batch()
    assert worst_error(net, x, t) < TOL


def test_gradient_check_with_dropout_and_a_fixed_mask():
    net = small_net(use_dropout=True, dropout_ratio=0.3, activation="tanh", weight_init_std=0.5)
    x, t = small_batch(n=5)
    dropouts = [layer for name, layer in net.layers.items() if name.startswith("Dropout")]

    def fix_mask():  # every forward pass redraws the same masks
        for layer in dropouts:
            layer.rng = np.random.default_rng(99)

    assert worst_error(net, x, t, before_each_loss=fix_mask) < TOL
    assert any(not layer.mask.all() for layer in dropouts)  # units were really dropped


def test_numerical_gradient_method_matches_backprop():
    net = small_net(activation="sigmoid", use_batchnorm=True)
    x, t = small_batch()
    analytic = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    assert max(relative_error(analytic[k], numeric[k]) for k in net.params if k not in ("b1", "b2")) < TOL


def test_bias_before_batchnorm_has_zero_gradient():
    net = small_net(use_batchnorm=True)
    x, t = small_batch()
    grads = net.gradient(x, t)
    assert np.abs(grads["b1"]).max() < 1e-15 and np.abs(grads["b3"]).max() > 1e-3


def test_one_hot_and_index_labels_agree():
    net = small_net()
    x, t = small_batch()
    assert net.loss(x, t) == net.loss(x, np.eye(3)[t])
    g1, g2 = net.gradient(x, t), net.gradient(x, np.eye(3)[t])
    for key in g1:
        np.testing.assert_array_equal(g1[key], g2[key])


def test_params_keys_and_shapes():
    net = MultiLayerNet(784, [100, 50], 10, use_batchnorm=True, rng=np.random.default_rng(0))
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"] or set(
        net.params
    ) == {"W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"}
    assert net.params["W1"].shape == (784, 100) and net.params["W3"].shape == (50, 10)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert not net.params["b1"].any() and (net.params["gamma1"] == 1).all()


def test_layers_share_the_params_arrays():
    net = small_net(use_batchnorm=True)
    assert net.layers["Affine1"].W is net.params["W1"]
    assert net.layers["BatchNorm2"].gamma is net.params["gamma2"]


def test_weight_decay_adds_half_lambda_sum_of_squares_over_every_W():
    net = small_net(weight_decay_lambda=0.3)
    plain = small_net(weight_decay_lambda=0)
    x, t = small_batch()
    squares = sum(np.sum(net.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    assert net.loss(x, t) == pytest.approx(plain.loss(x, t) + 0.15 * squares, rel=1e-12)


@pytest.mark.parametrize(
    "spec, expected", [("he", math.sqrt(2 / 50)), ("relu", math.sqrt(2 / 50)),
                       ("xavier", math.sqrt(1 / 50)), ("sigmoid", math.sqrt(1 / 50)), (0.01, 0.01)]
)
def test_init_std(spec, expected):
    assert init_std(spec, 50) == pytest.approx(expected)


def test_initial_weights_have_the_requested_std():
    net = MultiLayerNet(400, [400], 10, weight_init_std="he", rng=np.random.default_rng(0))
    assert net.params["W1"].std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    assert net.params["W2"].std() == pytest.approx(math.sqrt(2 / 400), rel=0.1)


@pytest.mark.parametrize("bad", [0, -1.0, "glorot", float("nan")])
def test_init_std_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="weight_init_std"):
        init_std(bad, 10)


def test_rejects_unknown_activation_and_missing_rng():
    with pytest.raises(ValueError, match="softplus"):
        MultiLayerNet(4, [3], 2, activation="softplus", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        MultiLayerNet(4, [3], 2)


def test_same_seed_same_weights_different_seed_different():
    a, b, c = small_net(seed=3), small_net(seed=3), small_net(seed=4)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_batchnorm_and_plain_nets_from_the_same_seed_share_weights():
    plain, bn = small_net(seed=5), small_net(seed=5, use_batchnorm=True)
    for key in plain.params:
        np.testing.assert_array_equal(plain.params[key], bn.params[key])


def test_predict_defaults_to_inference_mode():
    net = small_net(use_dropout=True, dropout_ratio=0.5)
    x, _ = small_batch()
    np.testing.assert_array_equal(net.predict(x), net.predict(x))  # no random masks


def test_accuracy_in_chunks_equals_whole():
    net = small_net()
    x, t = small_batch(n=50)
    expected = np.mean(net.predict(x).argmax(axis=1) == t)
    assert net.accuracy(x, t, batch_size=7) == expected
    assert net.accuracy(x, np.eye(3)[t]) == expected


@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_dropping_inputs_that_are_always_zero_changes_no_output(use_batchnorm):
    from dlscratch.optimizers import SGD

    rng = np.random.default_rng(7)
    x = rng.random((40, 12))
    x[:, [0, 5, 11]] = 0.0  # blank in every sample, like MNIST's border pixels
    t = rng.integers(0, 3, 40)
    kept = np.array([1, 2, 3, 4, 6, 7, 8, 9, 10])
    kwargs = dict(weight_decay_lambda=0.1, use_batchnorm=use_batchnorm, dtype=np.float64)
    full = MultiLayerNet(12, [6, 5], 3, rng=np.random.default_rng(1), **kwargs)
    small = MultiLayerNet(12, [6, 5], 3, rng=np.random.default_rng(1), **kwargs).select_inputs(kept)
    assert small.params["W1"].shape == (9, 6) and small.input_size == 9
    np.testing.assert_array_equal(small.params["W1"], full.params["W1"][kept])
    opt_full, opt_small = SGD(lr=0.1), SGD(lr=0.1)
    for step in range(15):
        batch = rng.integers(0, 40, 8)
        opt_full.update(full.params, full.gradient(x[batch], t[batch]))
        opt_small.update(small.params, small.gradient(x[batch][:, kept], t[batch]))
    np.testing.assert_allclose(small.predict(x[:, kept]), full.predict(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(small.params["W1"], full.params["W1"][kept], rtol=1e-12, atol=1e-15)
    for key in full.params:
        if key != "W1":
            np.testing.assert_allclose(small.params[key], full.params[key], rtol=1e-12, atol=1e-15)
    # the dropped rows only decayed: lambda * W was their whole gradient
    np.testing.assert_allclose(full.params["W1"][[0, 5, 11]],
                               MultiLayerNet(12, [6, 5], 3, rng=np.random.default_rng(1), **kwargs)
                               .params["W1"][[0, 5, 11]] * (1 - 0.1 * 0.1) ** 15, rtol=1e-12)


@pytest.mark.parametrize("columns, message", [([], "non-empty"), ([[1, 2]], "1-D"), ([0, 12], r"\[0, 12\)"),
                                              ([-1, 3], r"\[0, 12\)")])
def test_select_inputs_rejects_bad_columns(columns, message):
    net = MultiLayerNet(12, [4], 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        net.select_inputs(np.array(columns, dtype=int))
