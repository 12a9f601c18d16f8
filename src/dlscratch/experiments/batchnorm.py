"""Section 6.3: training accuracy with and without Batch Normalization across weight scales."""

import numpy as np
import pandas as pd

from ..optimizers import make_optimizer
from ..tables import Schema
from .common import build_network, diverged_value, epoch_schedule, first_images, train_epochs, used_inputs

MODELS = {"batchnorm": True, "plain": False}


def weight_stds(settings):
    """The weight stds compared: ``logspace(start, stop, num)`` of ``weight_std_logspace``."""
    space = settings["weight_std_logspace"]
    return [float(s) for s in np.logspace(space["start"], space["stop"], space["num"])]


def batchnorm(settings, data, seed):
    """Figs 6-18, 6-19: for each weight std, a BN net and a plain net train on the same
    batches from the same initial weights (SGD, ``lr``); training accuracy on the first
    ``train_size`` images is recorded before training and after every epoch.

    Returns {"accuracy": seed, std_index, weight_std, model, epoch, train_acc, diverged_at, chance},
    ``chance`` being the accuracy of always answering the most frequent class of those images
    (the best a net that learnt nothing can do).
    """
    (x_train, t_train), _ = first_images(data, settings["train_size"])
    chance = float(np.bincount(np.asarray(t_train)).max() / len(t_train))
    epochs = settings["epochs"]
    schedule = epoch_schedule(seed, "batchnorm", len(x_train), settings["batch_size"], epochs)
    n_pixels = x_train.shape[1]
    inputs, (x_train,) = used_inputs(x_train)
    tables = []
    for index, std in enumerate(weight_stds(settings)):
        table = with_and_without_bn(seed, "batchnorm", (x_train, t_train), schedule, epochs,
                                    settings["hidden_sizes"], float(std), settings["lr"], chance, n_pixels, inputs)
        table.insert(0, "weight_std", float(std))
        table.insert(0, "std_index", index)
        table.insert(0, "seed", seed)
        tables.append(table)
    return {"accuracy": pd.concat(tables, ignore_index=True)}


def with_and_without_bn(seed, stream, train, schedule, epochs, hidden_sizes, weight_std, lr, chance,
                        input_size=None, inputs=None):
    """A BN net and a plain net from the same initial weights (seed stream ``stream``),
    trained with SGD at ``lr`` on the same batches (``schedule`` of ``epochs``). ``train``
    may hold only the ``inputs`` columns of images of ``input_size`` pixels (``used_inputs``,
    ``build_network``). Returns their curves, one after the other: model, epoch, train_acc,
    diverged_at and ``chance`` (the accuracy of always answering the most frequent class)."""
    x, t = train
    tables = []
    for model, use_bn in MODELS.items():
        net = build_network(seed, stream, input_size or x.shape[1], hidden_sizes, inputs=inputs,
                            weight_init_std=weight_std, use_batchnorm=use_bn)
        table, diverged_at = train_epochs(net, make_optimizer("sgd", lr=lr), x, t, None, None, schedule, epochs)
        table = table.drop(columns="test_acc")
        table.insert(0, "model", model)
        table["diverged_at"] = diverged_value(diverged_at)
        table["chance"] = chance
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def batchnorm_schemas(settings):
    columns = {"seed": "int", "std_index": "int", "weight_std": "float", "model": "str", "epoch": "int",
               "train_acc": "float", "diverged_at": "float", "chance": "float"}
    n = settings["weight_std_logspace"]["num"]
    return {"accuracy": Schema(columns, n * len(MODELS) * (settings["epochs"] + 1),
                               {"model": list(MODELS), "std_index": list(range(n))})}

