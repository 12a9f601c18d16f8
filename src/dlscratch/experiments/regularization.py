"""Section 6.4: overfitting on a small training set, weight decay and Dropout."""

from ..optimizers import make_optimizer
from .common import build_network, diverged_value, epoch_schedule, train_epochs


def overfit_run(data, n_train, hidden_sizes, lr, batch_size, epochs, seed, experiment,
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
    net = build_network(seed, experiment, x.shape[1], hidden_sizes, weight_decay_lambda=weight_decay_lambda,
                        use_dropout=dropout_ratio is not None, dropout_ratio=dropout_ratio or 0.0)
    schedule = epoch_schedule(seed, experiment, n_train, batch_size, epochs)
    table, diverged_at = train_epochs(net, make_optimizer("sgd", lr=lr), x, t, x_test, t_test, schedule, epochs)
    table["diverged_at"] = diverged_value(diverged_at)
    return table
