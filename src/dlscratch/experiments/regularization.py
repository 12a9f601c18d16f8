"""Section 6.4: overfitting on a small training set, weight decay and Dropout.

Every run of this section (any lambda, with or without Dropout) draws its initial
weights and its minibatches from the same seed stream, ``STREAM``: runs are paired
across Figs 6-20, 6-21 and 6-23. The unregularized run (lambda 0, no Dropout) then
appears twice in the chapter, 201 epochs in Fig 6-20 and as the left panel of
Fig 6-23 (301 epochs); when the two config blocks agree on the data and the net,
``baseline_epochs`` says how long to train it once, and each figure reads its first
epochs (a run's first k epochs do not depend on how many follow).
"""

import math

from ..optimizers import make_optimizer
from ..trainer import epoch_end_iterations
from .common import build_network, diverged_value, epoch_schedule, train_epochs, used_inputs

STREAM = "overfitting"

# the settings that make two runs of this section the same run
SHARED_SETTINGS = ("train_size", "hidden_sizes", "lr", "batch_size")


def overfit_run(data, n_train, hidden_sizes, lr, batch_size, epochs, seed, experiment=STREAM,
                weight_decay_lambda=0.0, dropout_ratio=None):
    """Train on the first ``n_train`` training images; train and test accuracy per epoch.

    Variants of one experiment (e.g. lambda 0 and 0.1) share initial weights and batches.
    ``dropout_ratio=None`` means no Dropout layers. Columns: epoch, train_acc, test_acc,
    diverged_at.
    """
    (x_train, t_train), (x_test, t_test) = data
    if n_train > len(x_train):
        raise ValueError(f"n_train {n_train} exceeds the {len(x_train)} training images")
    x, t = x_train[:n_train], t_train[:n_train]
    inputs, (x, x_test) = used_inputs(x, x_test)
    net = build_network(seed, experiment, x_train.shape[1], hidden_sizes, inputs=inputs,
                        weight_decay_lambda=weight_decay_lambda,
                        use_dropout=dropout_ratio is not None, dropout_ratio=dropout_ratio or 0.0)
    schedule = epoch_schedule(seed, experiment, n_train, batch_size, epochs)
    table, diverged_at = train_epochs(net, make_optimizer("sgd", lr=lr), x, t, x_test, t_test, schedule, epochs)
    table["diverged_at"] = diverged_value(diverged_at)
    return table


def baseline_epochs(weight_decay_cfg, dropout_cfg):
    """Epochs to train the shared unregularized run for, or None when there is none to share.

    The lambda-0 run of ``weight_decay`` and the no-Dropout run of ``dropout`` are the
    same run when lambda 0 is configured and both blocks agree on ``SHARED_SETTINGS``;
    it is trained once, for the longer of the two epoch counts.
    """
    if 0.0 not in [float(v) for v in weight_decay_cfg["lambdas"]]:
        return None
    if any(weight_decay_cfg[key] != dropout_cfg[key] for key in SHARED_SETTINGS):
        return None
    return max(weight_decay_cfg["epochs"], dropout_cfg["epochs"])


def first_epochs(table, epochs, n_train, batch_size):
    """The rows of an ``overfit_run`` table up to and including epoch ``epochs``, as a run
    of ``epochs`` epochs would have written them: ``diverged_at`` (an iteration number)
    is kept only if the divergence happened within those epochs."""
    first = table[table.epoch <= epochs].reset_index(drop=True)
    last_iteration = epoch_end_iterations(n_train, batch_size, epochs)[-1] if epochs else 0
    first.loc[first.diverged_at > last_iteration, "diverged_at"] = math.nan
    return first
