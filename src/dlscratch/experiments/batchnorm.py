"""Section 6.3: training accuracy with and without Batch Normalization across weight scales."""

import pandas as pd

from ..optimizers import make_optimizer
from .common import build_network, diverged_value, epoch_schedule, train_epochs, used_inputs

MODELS = {"batchnorm": True, "plain": False}


def batchnorm_comparison(x_train, t_train, weight_stds, hidden_sizes, lr, batch_size, epochs, seed):
    """For each weight std, train a BN net and a plain net on the same batches from the same
    initial weights; record training accuracy (on ``x_train``) per epoch.

    Columns: std_index, weight_std, model, epoch, train_acc, diverged_at.
    """
    schedule = epoch_schedule(seed, "batchnorm", len(x_train), batch_size, epochs)
    n_pixels = x_train.shape[1]
    inputs, (x_train,) = used_inputs(x_train)
    tables = []
    for index, std in enumerate(weight_stds):
        for model, use_bn in MODELS.items():
            net = build_network(seed, "batchnorm", n_pixels, hidden_sizes, inputs=inputs,
                                weight_init_std=float(std), use_batchnorm=use_bn)
            table, diverged_at = train_epochs(net, make_optimizer("sgd", lr=lr), x_train, t_train,
                                              None, None, schedule, epochs)
            table = table.drop(columns="test_acc")
            table.insert(0, "model", model)
            table.insert(0, "weight_std", float(std))
            table.insert(0, "std_index", index)
            table["diverged_at"] = diverged_value(diverged_at)
            tables.append(table)
    return pd.concat(tables, ignore_index=True)
