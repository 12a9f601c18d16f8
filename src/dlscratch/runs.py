"""Named runs: settings on top of the default run's, side by side with it (``snakemake compare``).

``config/runs.yaml`` maps a run's name to the settings it changes, with the overrides of
``dlscratch.config`` (a block merges key by key, a variant table or a list is replaced, a
dotted key changes one value: ``optimizer_mnist.optimizers.Adam.lr: 0.01``), and an
optional ``description``. A run's settings are the default run's (``config/config.yaml``,
then ``--configfile``, then ``--config``) with its own on top; its figures, claims, page and
tables go to ``results/runs/<name>/``; the default run, called ``book`` here, keeps
``results/``. What the runs train is stored once (``dlscratch.store``), so runs that agree
on an experiment share its jobs.

Every fault is a ``ConfigError`` naming the run and the key, raised before any job runs:
an unknown or a duplicated name, a name that is not safe as a directory, settings the
schema or ``check_config`` refuse.
"""

import copy
import re
from pathlib import Path

import yaml

from .config import ConfigError, check_config, merge, typed
from .text import check_text

BOOK = "book"  # the default run: config/config.yaml and the command line's settings
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
RUNS_FILE = "config/runs.yaml"
SHARED = ("store_dir", "blas_coretype")  # settings of the workflow, not of one run


class _UniqueKeys(yaml.SafeLoader):
    """YAML that refuses a mapping with a key twice (PyYAML keeps the last one silently)."""


def _mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(f"{Path(loader.name).name if loader.name else 'runs'}: '{key}' is given twice "
                              f"(lines {seen[key]} and {key_node.start_mark.line + 1}); each key only once")
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_runs(path):
    """{name: {"description": text, "settings": overrides}} of the runs file at ``path``
    (none when it does not exist), in its order, names and shapes checked."""
    path = Path(path)
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        loader = _UniqueKeys(f)
        loader.name = str(path)
        try:
            data = loader.get_single_data()
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: not YAML ({error})") from None
        finally:
            loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a mapping of run names to their settings, not a {type(data).__name__}")
    runs, folded = {}, {}
    for name, spec in data.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise ConfigError(f"run {name!r} ({path}): a run's name becomes its directory, results/runs/<name>: use "
                              "letters, digits, '_', '-' and '.', starting with a letter or digit (at most 64)")
        if name.lower() == BOOK:
            raise ConfigError(f"run '{name}' ({path}): 'book' is the default run's name; choose another")
        if name.lower() in folded:  # one directory on macOS and Windows, whose file names ignore case
            raise ConfigError(f"run '{name}' ({path}): its name differs from run '{folded[name.lower()]}' only in "
                              "case, and both would write to one directory on file systems that ignore case (macOS, "
                              "Windows); choose another")
        folded[name.lower()] = name
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            raise ConfigError(f"run '{name}' ({path}): its settings must be a mapping, not {spec!r}")
        spec = dict(spec)
        shared = [key for key in spec if str(key).split(".")[0] in SHARED]
        if shared:
            raise ConfigError(f"run '{name}' ({path}): config key '{shared[0]}': a named run shares the default "
                              "run's store and BLAS kernels; set it for every run (config/config.yaml, --configfile "
                              "or --config), not for one")
        description = spec.pop("description", "")
        if not isinstance(description, str):
            raise ConfigError(f"run '{name}' ({path}): description must be text")
        refused = check_text(description, f"{name}.description")  # shown on pages and in the report
        if refused:
            raise ConfigError(f"run '{name}' ({path}): {refused}")
        runs[name] = {"description": description, "settings": spec}
    return runs


def selected(runs, wanted):
    """The names of ``runs`` that ``wanted`` (``--config runs=[a,b]``; None: all) asks for."""
    if wanted is None:
        return list(runs)
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = [str(name) for name in wanted if name not in runs]
    if unknown:
        defined = ", ".join(runs) or f"none: {RUNS_FILE} defines no run"
        raise ConfigError(f"config key 'runs': unknown run {', '.join(map(repr, unknown))}; the defined runs are "
                          f"{defined}")
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"config key 'runs': a run is named twice in {wanted}")
    return wanted


def run_config(name, base, settings, validate):
    """The settings of run ``name``: ``base`` (the default run's, before defaults are filled)
    with ``settings`` on top, validated by ``validate`` (the schema: raises a ConfigError
    naming the key) and ``check_config``; every fault is prefixed with the run's name."""
    config = copy.deepcopy(base)
    config.pop("runs", None)
    try:
        merge(config, typed(copy.deepcopy(settings)))
        if isinstance(config.get("seeds"), int) and not isinstance(config["seeds"], bool):
            config["seeds"] = [config["seeds"]]
        validate(config)
        check_config(config)
    except ConfigError as error:
        raise ConfigError(f"run '{name}': {error}") from None
    return config


def settings_diff(book, run, prefix=""):
    """[(dotted key, the book's value, the run's value)] of every setting ``run`` changes
    (a variant that one has and the other has not: None on the side that lacks it)."""
    changes = []
    for key in list(book) + [k for k in run if k not in book]:
        here = f"{prefix}.{key}" if prefix else str(key)
        a, b = book.get(key), run.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changes += settings_diff(a, b, here)
        elif a != b:
            changes.append((here, a, b))
    return changes


def _text(value):
    """A setting as one line (YAML flow style), for a diff; "(none)" for a missing one."""
    if value is None:
        return "(none)"
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True).strip() \
        .removesuffix("...").strip()


def _default(config, key):
    """The value an optimizer's spec leaves to its class (``optimizer_mnist.optimizers.Adam.lr``:
    Adam's default, 0.001), as "0.001 (default)"; else None."""
    *parents, last = key.split(".")
    spec = config
    for part in parents:
        spec = spec.get(part) if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or "name" not in spec:
        return None
    from .optimizers import hyperparameters

    try:
        value = hyperparameters(spec["name"]).get(last)
    except ValueError:
        return None
    return None if value is None else f"{value:g} (default)"


def changes(book, run):
    """[(dotted key, the book's value, the run's value)] as text: what a run's page and the
    comparison page say it changes (``runs``, the selector of named runs, left out). A
    hyperparameter one side leaves to its optimizer's default shows that default."""
    return [(key, _default(book, key) if a is None and _default(book, key) else _text(a),
             _default(run, key) if b is None and _default(run, key) else _text(b))
            for key, a, b in settings_diff(book, run) if key != "runs"]
