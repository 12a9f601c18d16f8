"""Named runs: settings on top of the default run's, side by side with it (``snakemake compare``).

``config/runs.yaml`` maps a run's name to the settings it changes, with the overrides of
``dlscratch.config`` (a block merges key by key, a variant table or a list is replaced, a
dotted key changes one value: ``optimizer_mnist.optimizers.Adam.lr: 0.01``), and an
optional ``description``. A run's settings are the default run's (``config/config.yaml``,
then ``--configfile``, then ``--config``) with its own on top; its figures, claims, page and
tables go to ``results/runs/<name>/``; the default run, called ``book`` here, keeps
``results/``. What the runs train is stored once (``dlscratch.store``), so runs that agree
on an experiment share its jobs.

A **sweep** is an entry with a ``sweep`` mapping: one dotted key and a list of values, or
two keys and their grid. It expands into one run per value (per pair), named after the
sweep and the value (``adam_lr_0.01``), each the entry's other settings with that value on
top; a value equal to the book's changes nothing, so it trains nothing. A **tried** run
comes from the command line (``--config 'try=optimizer_mnist.optimizers.Adam.lr=0.01'``, or
a list of such changes): it is named after its change and checked like any other.

Every fault is a ``ConfigError`` naming the run and the key, raised before any job runs:
an unknown or a duplicated name, a name that is not safe as a directory, settings the
schema or ``check_config`` refuse.
"""

import copy
import hashlib
import itertools
import re
from pathlib import Path

import yaml

from .config import ConfigError, check_config, merge, typed
from .text import check_text

BOOK = "book"  # the default run: config/config.yaml and the command line's settings
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
RUNS_FILE = "config/runs.yaml"
SHARED = ("store_dir", "blas_coretype")  # settings of the workflow, not of one run
SELECTORS = ("runs", "try")  # settings that choose the runs, not settings of a run
SWEEP = "sweep"


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
        if SWEEP not in spec:
            runs[name] = {"description": description, "settings": spec}
            continue
        for point_name, run in expand_sweep(name, description, spec, path).items():
            if point_name.lower() in folded:
                raise ConfigError(f"sweep '{name}' ({path}): its run '{point_name}' has the name of run "
                                  f"'{folded[point_name.lower()]}'; rename one of them")
            folded[point_name.lower()] = point_name
            runs[point_name] = run
    return runs


def value_text(value):
    """A swept or tried value as a run's name shows it (0.0001, 1e-05, true, [20, 20])."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return _text(value)


def run_name(prefix, values, what):
    """``prefix`` and the values joined by '_', as a run's name; a value whose text is not safe
    in a directory name is a ConfigError naming ``what``."""
    name = "_".join([prefix, *(value_text(v) for v in values)])
    if not NAME.match(name):
        raise ConfigError(f"{what}: the run's name would be {name!r}, which is not safe as a directory name "
                          "(letters, digits, '_', '-' and '.', at most 64); use plain numbers or words")
    return name


def expand_sweep(name, description, spec, path):
    """{run name: run} of sweep ``name``: one run per value of its one key, or per pair of
    values of its two keys (the grid, the first key slowest), each with the entry's other
    settings and ``sweep`` {"name", "keys", "values"} saying where it lies."""
    sweep = spec.pop(SWEEP)
    where = f"sweep '{name}' ({path})"
    if not isinstance(sweep, dict) or not 1 <= len(sweep) <= 2:
        raise ConfigError(f"{where}: '{SWEEP}' maps one dotted key (or two, for a grid) to its list of values, "
                          f"e.g. {SWEEP}: {{optimizer_mnist.optimizers.Adam.lr: [0.0001, 0.001, 0.01]}}; got {sweep!r}")
    for key, values in sweep.items():
        if not isinstance(key, str) or "." not in key:
            raise ConfigError(f"{where}: swept key {key!r} must be a dotted key into the settings "
                              "(optimizer_mnist.optimizers.Adam.lr)")
        if key.split(".")[0] in SHARED + SELECTORS:
            raise ConfigError(f"{where}: config key '{key}' is a setting of every run, not one to sweep")
        if not isinstance(values, list) or len(values) < 2:
            raise ConfigError(f"{where}: config key '{key}': a sweep needs a list of two values or more, "
                              f"not {values!r}")
        if len({value_text(v) for v in values}) != len(values):
            raise ConfigError(f"{where}: config key '{key}': a value is given twice in {values}")
        if key in spec:
            raise ConfigError(f"{where}: config key '{key}' is both swept and set")
    keys = list(sweep)
    runs = {}
    for point in itertools.product(*sweep.values()):
        point_name = run_name(name, point, where)
        shown = ", ".join(f"{key} = {value_text(v)}" for key, v in zip(keys, point))
        runs[point_name] = {"description": f"{description}: {shown}" if description else shown,
                            "settings": {**copy.deepcopy(spec), **dict(zip(keys, point))},
                            "sweep": {"name": name, "keys": keys, "values": list(point)}}
    return runs


def tried_run(value):
    """(name, run) of ``--config 'try=KEY=VALUE'`` (or a list of such changes): its settings
    are those changes, its name is derived from them (``try_Adam.lr_0.01``: the key's last two
    parts and the value; a long one is shortened, with a hash of the whole change)."""
    changes = value if isinstance(value, list) else [value]
    if not changes or not all(isinstance(c, str) and "=" in c for c in changes):
        raise ConfigError(f"config key 'try': {value!r} is not a change: give KEY=VALUE (a dotted key into the "
                          "settings), e.g. --config 'try=optimizer_mnist.optimizers.Adam.lr=0.01', or a list "
                          "--config 'try=[KEY=VALUE, KEY=VALUE]'")
    settings = {}
    for change in changes:
        key, text = (part.strip() for part in change.split("=", 1))
        refused = check_text(change, "try")
        if refused:
            raise ConfigError(refused)
        if not key:
            raise ConfigError(f"config key 'try': {change!r} has no key before '='")
        if key.split(".")[0] in SHARED + SELECTORS:
            raise ConfigError(f"config key 'try': '{key}' is a setting of every run; set it with --config {key}=...")
        try:
            settings[key] = yaml.safe_load(text) if text else None
        except yaml.YAMLError:
            raise ConfigError(f"config key 'try': the value of '{key}' is not YAML: {text!r}") from None
    parts = ["_".join([".".join(key.split(".")[-2:]), value_text(v)]) for key, v in settings.items()]
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", "try_" + "_".join(parts))
    if len(name) > 64:
        digest = hashlib.sha256(repr(sorted(settings.items())).encode()).hexdigest()[:8]
        name = f"{name[:55]}_{digest}"
    shown = ", ".join(f"{key} = {value_text(v)}" for key, v in settings.items())
    return name, {"description": f"tried from the command line: {shown}", "settings": settings, "tried": True}


def selected(runs, wanted):
    """The names of ``runs`` that ``wanted`` (``--config runs=[a,b]``; None: all) asks for; a
    sweep's name asks for each of its runs."""
    if wanted is None:
        return list(runs)
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    sweeps = {}
    for name, run in runs.items():
        if "sweep" in run:
            sweeps.setdefault(run["sweep"]["name"], []).append(name)
    wanted = [each for name in wanted for each in sweeps.get(name, [name])]
    unknown = [str(name) for name in wanted if name not in runs]
    if unknown:
        defined = ", ".join([*runs, *(f"{name} (a sweep)" for name in sweeps)]) or f"none: {RUNS_FILE} defines no run"
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
    for key in SELECTORS:
        config.pop(key, None)
    try:
        merge(config, typed(copy.deepcopy(settings)))
        if isinstance(config.get("seeds"), int) and not isinstance(config["seeds"], bool):
            config["seeds"] = [config["seeds"]]
        validate(config)
        check_config(config)
    except ConfigError as error:
        raise ConfigError(f"run '{name}': {error}") from None
    return as_written(config, base)


def as_written(config, book):
    """``config`` with every optimizer spec that means the same as the book's at the same place
    written as the book writes it (``{name: adam, lr: 0.001}`` where the book leaves Adam's lr
    to its default, 0.001): a run that sets the book's value trains nothing, its store entries
    and figures are the book's."""
    from .optimizers import OPTIMIZERS, hyperparameters

    if not isinstance(config, dict) or not isinstance(book, dict):
        return config
    if config.get("name") in OPTIMIZERS and book.get("name") == config["name"]:
        try:
            same = hyperparameters(**config) == hyperparameters(**book)
        except (TypeError, ValueError):
            same = False
        return copy.deepcopy(book) if same else config
    return {key: as_written(value, book.get(key)) for key, value in config.items()}


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


def _node(config, key):
    """(the mapping holding dotted ``key`` in ``config``, or None; the key's last part)."""
    *parents, last = key.split(".")
    node = config
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    return node, last


def class_default(config, key):
    """The value an optimizer's spec leaves to its class (``optimizer_mnist.optimizers.Adam.lr``:
    Adam's default, 0.001); else None."""
    from .optimizers import hyperparameters

    spec, last = _node(config, key)
    if not isinstance(spec, dict) or "name" not in spec:
        return None
    try:
        return hyperparameters(spec["name"]).get(last)
    except ValueError:
        return None


def setting(config, key):
    """The value of dotted ``key`` in ``config``, or the default its optimizer's class gives it."""
    node, last = _node(config, key)
    return node[last] if isinstance(node, dict) and last in node else class_default(config, key)


def _default(config, key):
    """``class_default`` as "0.001 (default)"; else None."""
    value = class_default(config, key)
    return None if value is None else f"{value:g} (default)"


def changes(book, run):
    """[(dotted key, the book's value, the run's value)] as text: what a run's page and the
    comparison page say it changes (``runs``, the selector of named runs, left out). A
    hyperparameter one side leaves to its optimizer's default shows that default."""
    return [(key, _default(book, key) if a is None and _default(book, key) else _text(a),
             _default(run, key) if b is None and _default(run, key) else _text(b))
            for key, a, b in settings_diff(book, run) if key not in SELECTORS]
