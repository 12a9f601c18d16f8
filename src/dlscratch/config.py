"""The pipeline's configuration: how override files and ``--config`` combine with
config/config.yaml, and the checks a JSON Schema cannot express.

Overrides (``resolve_config``), in order: config/config.yaml, then each ``--configfile``,
then ``--config``. A mapping merges key by key into the one before it, except an
experiment's *variant table* (``optimizers``, ``cases``, ``inits``: see
``dlscratch.registry.Experiment.variant_table``), which an override replaces whole, so an
override that lists two optimizers runs those two. A list (``seeds``, ``lambdas``) is
replaced too. ``--config`` values are read as YAML, as in a file (Snakemake reads the
nested ones as strings), and ``seeds=3`` means ``seeds=[3]``.

The schema (workflow/schemas/config.schema.yaml) checks types, ranges and names;
``check_config`` adds the relations between values. Each failure names its key.
"""

import copy
import math
import numbers
import sys

import yaml

from .experiments.regularization import lambda_label
from .registry import EXPERIMENTS
from .text import check_text


class ConfigError(ValueError):
    pass


def refuse(message):
    """Stop the workflow before any job runs, with one message and no traceback: the fault
    is in what the user gave (a setting, a target, a damaged file), not in the workflow."""
    print(message, file=sys.stderr)
    sys.exit(1)


def _fail(key, message):
    raise ConfigError(f"config key '{key}': {message}")


REPLACED = {f"{name}.{e.variant_table}" for name, e in EXPERIMENTS.items() if e.variant_table}


def typed(value):
    """A ``--config`` value as a YAML file would have given it (Snakemake parses nested
    ``--config`` values with YAML's BaseLoader, which leaves every scalar a string)."""
    if isinstance(value, str):
        for parse in (int, float):
            try:
                return parse(value)
            except ValueError:
                pass
        return yaml.safe_load(value) if value.strip() else value
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    return value


def merge(config, override, path=""):
    """Merge ``override`` into ``config`` in place: mappings key by key, except the variant
    tables of ``REPLACED``; everything else replaced. A top-level key with dots is a path
    into the settings (``optimizer_mnist.optimizers.Adam.lr: 0.01``): it changes that one
    value, and nothing else of the variant table it is in."""
    for key, value in override.items():
        if not path and isinstance(key, str) and "." in key and key not in config:
            parent, last, here = _dotted(config, key)
        else:
            parent, last, here = config, key, f"{path}.{key}" if path else str(key)
        if isinstance(value, dict) and isinstance(parent.get(last), dict) and here not in REPLACED:
            merge(parent[last], value, here)
        else:
            parent[last] = copy.deepcopy(value)
    return config


def _dotted(config, key):
    """(the mapping that holds the last part of the dotted ``key``, that part, the path) in
    ``config``. A label may hold dots (``sigmoid_std0.01``): at each level the longest key
    that matches is taken. Only the last part may be new."""
    node, rest, walked = config, key, []
    while True:
        if not isinstance(node, dict):
            raise ConfigError(f"config key '{key}': '{'.'.join(walked)}' is a value, not a mapping of settings")
        if rest in node or "." not in rest:
            return node, rest, ".".join([*walked, rest])
        match = max((k for k in node if isinstance(k, str) and rest.startswith(f"{k}.")), key=len, default=None)
        if match is None:
            here = ".".join(walked) or "the top level"
            known = ", ".join(map(str, node)) if len(node) <= 12 else f"{len(node)} keys"
            raise ConfigError(f"config key '{key}': {here} has no key '{rest.split('.')[0]}' (it has {known})")
        walked.append(match)
        node, rest = node[match], rest[len(match) + 1:]


def resolve_config(base, configfiles=(), command_line=None):
    """The run's config: ``base`` (config/config.yaml, a dict), each YAML file of
    ``configfiles`` and the ``--config`` mapping, combined as the module says."""
    config = copy.deepcopy(base)
    for path in configfiles:
        with open(path) as f:
            merge(config, yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {})
    merge(config, typed(dict(command_line or {})))
    if isinstance(config.get("seeds"), int) and not isinstance(config["seeds"], bool):
        config["seeds"] = [config["seeds"]]
    return config


def _texts(value, key="", variant_tables=()):
    """Refuse any text of the settings (a label, a path, any string) that cannot be shown as
    text everywhere it lands (``dlscratch.text``): labels are the keys of variant tables."""
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{key}.{k}" if key else str(k)
            if isinstance(k, str):
                message = check_text(k, key or "(top level)", label=key in variant_tables)
                if message:
                    raise ConfigError(message)
            _texts(v, here, variant_tables)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _texts(v, f"{key}[{i}]", variant_tables)
    elif isinstance(value, str):
        message = check_text(value, key)
        if message:
            raise ConfigError(message)


def schema_validator(schema):
    """A function that checks settings against the JSON Schema ``schema`` (a mapping) and
    fills in its defaults, as Snakemake's ``validate`` does (jsonschema, draft 2020-12, with
    the defaults recipe of its FAQ), raising a ConfigError that names the key. (Snakemake's
    reads its schema file again at every call: once per run here.)"""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import best_match

    properties = Draft202012Validator.VALIDATORS["properties"]

    def set_defaults(validator, props, instance, subschema):
        if isinstance(instance, dict):
            for name, spec in props.items():
                if "default" in spec:
                    instance.setdefault(name, copy.deepcopy(spec["default"]))
        yield from properties(validator, props, instance, subschema)

    validator = validators.extend(Draft202012Validator, {"properties": set_defaults})(schema)

    def check(settings):
        error = best_match(validator.iter_errors(settings))
        if error is not None:
            raise ConfigError(schema_message(error))

    return check


def schema_message(error):
    """A schema violation (the jsonschema error behind Snakemake's ``validate``) as one line
    naming the key: "config key 'batchnorm.lr': -1 is less than or equal to the minimum of 0"."""
    cause = error if hasattr(error, "absolute_path") else (error.__context__ or error.__cause__)
    if cause is None or not hasattr(cause, "absolute_path"):
        return f"config: {error}"
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in cause.absolute_path).lstrip(".")
    where = f"config key '{path}'" if path else "config"
    return f"{where}: {cause.message} (checked against workflow/schemas/config.schema.yaml)"


def _labels(key, table):
    for label in table:
        if not isinstance(label, str):
            _fail(key, f"label {label!r} is not text; quote it ('{label}': ...)")
        if not label.strip():
            _fail(key, "a label is empty; give every variant a name")
        if label.startswith("_"):
            _fail(key, f"label {label!r} starts with '_', which matplotlib leaves out of legends; rename it")


def _finite(value, key):
    if isinstance(value, dict):
        for k, v in value.items():
            _finite(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite(v, f"{key}[{i}]")
    elif isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isfinite(value):
        _fail(key, f"{value} is not a finite number")


def check_config(config):
    """Raise ConfigError naming the key of the first inconsistent value."""
    _texts(config, variant_tables={f"{name}.{e.variant_table}" for name, e in EXPERIMENTS.items()
                                   if e.variant_table and e.variant_table != "lambdas"})
    _finite(config, "")
    seeds = config["seeds"]
    if len(seeds) != len(set(seeds)):
        _fail("seeds", f"duplicated seeds in {seeds}")
    for name, experiment in EXPERIMENTS.items():
        if experiment.variant_table and experiment.variant_table != "lambdas":
            _labels(f"{name}.{experiment.variant_table}", config[name][experiment.variant_table])
    labels = [lambda_label(v) for v in config["weight_decay"]["lambdas"]]
    if len(labels) != len(set(labels)):
        _fail("weight_decay.lambdas", f"{config['weight_decay']['lambdas']} gives the same table name twice "
              f"({labels}); lambdas must differ in their first 6 significant digits")
    surface = config["function_surface"]
    for key in ("x_range", "y_range"):
        low, high = surface[key]
        if not low < high:
            _fail(f"function_surface.{key}", f"lower bound {low} must be below upper bound {high}")
    for key in ("surface_step", "arrow_step"):
        points = math.prod((high - low) / surface[key] + 1 for low, high in (surface["x_range"], surface["y_range"]))
        if points > 250_000:
            _fail(f"function_surface.{key}", f"{surface[key]} makes a grid of {points:,.0f} points (at most 250,000)")
    for block in ("optimizer_mnist", "init_mnist", "batchnorm", "weight_decay", "dropout"):
        c = config[block]
        if c["batch_size"] > c["train_size"]:
            _fail(f"{block}.batch_size", f"{c['batch_size']} is larger than {block}.train_size {c['train_size']}")
    bn = config["batchnorm"]
    num = bn["weight_std_logspace"]["num"]
    if bn["single_panel_std_index"] is not None and bn["single_panel_std_index"] >= num:
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
    study = config["study_optimizer_lr"]
    if study["validation_size"] >= study["train_size"]:
        _fail("study_optimizer_lr.validation_size", f"{study['validation_size']} leaves no training images of the "
              f"{study['train_size']}")
    if study["batch_size"] > study["train_size"] - study["validation_size"]:
        _fail("study_optimizer_lr.batch_size", f"{study['batch_size']} is larger than the "
              f"{study['train_size'] - study['validation_size']} training images")
    bn_study = config["study_batchnorm_lr"]
    if bn_study["batch_size"] > bn_study["train_size"]:
        _fail("study_batchnorm_lr.batch_size", f"{bn_study['batch_size']} is larger than study_batchnorm_lr.train_size "
              f"{bn_study['train_size']}")
    for size in config["study_search"]["grid_sizes"]:
        if size * size > rs["trials"]:
            _fail("study_search.grid_sizes", f"a {size} x {size} grid has more trials than the {rs['trials']} of "
                  "random_search to compare it with")
    if rs["lr_exponents"][1] > 1:
        _fail("random_search.lr_exponents", f"upper bound {rs['lr_exponents'][1]} gives learning rates above 10")
    return config
