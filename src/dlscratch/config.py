"""The pipeline's configuration: how override files and ``--config`` combine with
config/config.yaml, and the checks a JSON Schema cannot express.

Overrides (``resolve_config``), in order: config/config.yaml, then each ``--configfile``,
then ``--config``. A mapping merges key by key into the one before it, except an
experiment's *variant table* (``optimizers``, ``cases``, ``inits``: see
``dlscratch.registry.Experiment.variant_table``), which an override replaces whole, so an
override that lists two optimizers runs those two. A list (``seeds``, ``lambdas``) is
replaced too. ``--config`` values are read as YAML, as in a file (Snakemake reads the
nested ones as strings), and ``seeds=3`` means ``seeds=[3]``.

The schema (``config_schema``: workflow/schemas/config.schema.yaml for the settings of the
whole workflow, each experiment's block as its section declares it, the optimizers' names and
hyperparameters from ``dlscratch.optimizers``) checks types, ranges and names; the defaults
are config/config.yaml's, and nothing else states them. ``check_config`` adds the relations
between values (each experiment's ``check``). Each failure names its key.
"""

import copy
import math
import numbers
import sys

import yaml

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
    naming the key and where its schema is declared: "config key 'batchnorm.lr': -1 is less
    than or equal to the minimum of 0 (checked against ...)"."""
    cause = error if hasattr(error, "absolute_path") else (error.__context__ or error.__cause__)
    if cause is None or not hasattr(cause, "absolute_path"):
        return f"config: {error}"
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in cause.absolute_path).lstrip(".")
    where = f"config key '{path}'" if path else "config"
    block = path.split(".")[0].split("[")[0]
    declared = (f"the schema of its block, declared in src/{EXPERIMENTS[block].module.replace('.', '/')}.py"
                if block in EXPERIMENTS else "workflow/schemas/config.schema.yaml")
    return f"{where}: {cause.message} (checked against {declared})"


def config_schema(base):
    """The config's JSON Schema: ``base`` (workflow/schemas/config.schema.yaml: the settings
    of the whole workflow, and the definitions the blocks share), with each experiment's block
    as its section declares it (``Experiment.config``: every key required, none other taken),
    and the optimizer specs derived from ``dlscratch.optimizers`` (names from ``OPTIMIZERS``,
    hyperparameters and their kinds from the classes' signatures) and the weight stds known
    by name from ``dlscratch.network``."""
    from .network import NAMED_STDS
    from .optimizers import OPTIMIZERS, hyperparameter_schemas

    schema = copy.deepcopy(base)
    defs = schema.setdefault("$defs", {})
    defs["optimizer_spec"] = {"type": "object", "required": ["name"], "additionalProperties": False,
                              "properties": {"name": {"type": "string", "enum": list(OPTIMIZERS)},
                                             **hyperparameter_schemas()}}
    defs["weight_std"] = {"oneOf": [{"type": "number", "exclusiveMinimum": 0},
                                    {"type": "string", "enum": list(NAMED_STDS)}]}
    for name, experiment in EXPERIMENTS.items():
        schema["properties"][name] = {"type": "object", "additionalProperties": False,
                                      "required": list(experiment.config), "properties": experiment.config}
    schema["required"] = [key for key in schema["properties"] if key not in ("runs", "try")]
    return schema


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
    """Raise ConfigError naming the key of the first inconsistent value: text that cannot be
    shown as text, a non-finite number, a duplicated seed, a label that is not one, then each
    experiment's own relations (``Experiment.check``)."""
    _texts(config, variant_tables={f"{name}.{e.variant_table}" for name, e in EXPERIMENTS.items()
                                   if e.variant_table and e.variant_table != "lambdas"})
    _finite(config, "")
    seeds = config["seeds"]
    if len(seeds) != len(set(seeds)):
        _fail("seeds", f"duplicated seeds in {seeds}")
    for name, experiment in EXPERIMENTS.items():
        if experiment.variant_table and experiment.variant_table != "lambdas":
            _labels(f"{name}.{experiment.variant_table}", config[name][experiment.variant_table])
    for name, experiment in EXPERIMENTS.items():
        if experiment.check is not None:
            experiment.check(config[name], config, _fail)
    return config
