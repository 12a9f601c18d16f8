"""Checks of the pipeline configuration that a JSON Schema cannot express.

The schema (workflow/schemas/config.schema.yaml) checks types, ranges and names;
``check_config`` adds the relations between values. Each failure names its key.
"""


class ConfigError(ValueError):
    pass


def _fail(key, message):
    raise ConfigError(f"config key '{key}': {message}")


def check_config(config):
    """Raise ConfigError naming the key of the first inconsistent value."""
    seeds = config["seeds"]
    if len(seeds) != len(set(seeds)):
        _fail("seeds", f"duplicated seeds in {seeds}")
    for block in ("optimizer_mnist", "init_mnist", "batchnorm", "weight_decay", "dropout"):
        c = config[block]
        if c["batch_size"] > c["train_size"]:
            _fail(f"{block}.batch_size", f"{c['batch_size']} is larger than {block}.train_size {c['train_size']}")
    bn = config["batchnorm"]
    num = bn["weight_std_logspace"]["num"]
    if bn["single_panel_std_index"] >= num:
        _fail("batchnorm.single_panel_std_index",
              f"{bn['single_panel_std_index']} is out of range for {num} weight stds (0..{num - 1})")
    rs = config["random_search"]
    n_val = int(rs["subset_size"] * rs["validation_rate"])
    n_train = rs["subset_size"] - n_val
    if n_val < 1 or n_train < 1:
        _fail("random_search.validation_rate",
              f"{rs['validation_rate']} of {rs['subset_size']} images leaves {n_train} for training and {n_val} for validation")
    if rs["batch_size"] > n_train:
        _fail("random_search.batch_size", f"{rs['batch_size']} is larger than the {n_train} training images of the split")
    if rs["shards"] > rs["trials"]:
        _fail("random_search.shards", f"{rs['shards']} shards for only {rs['trials']} trials")
    if rs["top"] > rs["trials"]:
        _fail("random_search.top", f"{rs['top']} is more than the {rs['trials']} trials")
    for key in ("lr_exponents", "weight_decay_exponents"):
        low, high = rs[key]
        if not low < high:
            _fail(f"random_search.{key}", f"lower bound {low} must be below upper bound {high}")
    if rs["lr_exponents"][1] > 1:
        _fail("random_search.lr_exponents", f"upper bound {rs['lr_exponents'][1]} gives learning rates above 10")
    return config
