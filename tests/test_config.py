"""Config validation: the schema (types, ranges, names) plus check_config (relations).
Each bad value must fail before any job runs, with a message that names its key."""

import copy
from pathlib import Path

import pytest
import yaml

from dlscratch.config import check_config
from dlscratch.chapter.batchnorm import weight_stds

ROOT = Path(__file__).resolve().parents[1]


def book_config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def validated(cfg):
    from snakemake_runner import schema_check

    schema_check()(cfg)
    return check_config(cfg)


def test_book_config_is_valid_and_has_the_books_values():
    cfg = validated(book_config())
    assert cfg["optimizer_mnist"]["batch_size"] == 128 and cfg["optimizer_mnist"]["iterations"] == 2000
    assert cfg["weight_decay"]["epochs"] == 201 and cfg["dropout"]["epochs"] == 301
    assert cfg["random_search"]["trials"] == 100
    assert len(weight_stds(cfg["batchnorm"])) == 16 and weight_stds(cfg["batchnorm"])[0] == 1.0


def test_every_default_is_config_yamls_and_a_missing_key_is_named():
    from snakemake_runner import schema_check

    from dlscratch.config import ConfigError, config_schema

    schema = config_schema(yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text()))

    def defaults(node, path=""):
        if isinstance(node, dict):
            found = [path] if "default" in node else []
            return found + [d for k, v in node.items() for d in defaults(v, f"{path}.{k}" if path else k)]
        return [d for v in node for d in defaults(v, path)] if isinstance(node, list) else []

    assert defaults(schema) == ["properties.runs", "properties.try"]  # the selectors config.yaml does not have
    cfg = book_config()
    del cfg["batchnorm"]["epochs"]
    with pytest.raises(ConfigError, match=r"config key 'batchnorm': 'epochs' is a required property \(checked against "
                                          r"the schema of its block, declared in src/dlscratch/chapter/batchnorm\.py\)"):
        schema_check()(cfg)


def test_small_test_config_is_valid():
    cfg = book_config()
    small = yaml.safe_load((ROOT / "config" / "test.yaml").read_text())
    for key, value in small.items():
        cfg[key] = {**cfg[key], **value} if isinstance(value, dict) else value
    validated(cfg)


def setter(path, value):
    def apply(cfg):
        *parents, last = path.split(".")
        node = cfg
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return apply


DELETE = object()

BAD = [
    ("unknown experiment key", setter("batchnrom", {"lr": 0.1}), "batchnrom"),
    ("unknown key inside a block", setter("dropout.ratio", 0.2), "ratio"),
    ("unknown optimizer name", setter("optimizer_mnist.optimizers.SGD", {"name": "adadelta"}), "adadelta"),
    ("unknown optimizer hyperparameter", setter("optimizer_paths.optimizers.SGD", {"name": "sgd", "mu": 1}), "mu"),
    ("unknown activation", setter("activations.cases.relu_he", {"activation": "gelu", "weight_std": "he"}), "gelu"),
    ("zero learning rate", setter("batchnorm.lr", 0), "config key 'batchnorm.lr'"),
    ("negative learning rate", setter("optimizer_paths.optimizers.Adam", {"name": "adam", "lr": -0.3}),
     "config key 'optimizer_paths.optimizers.Adam.lr'"),
    ("momentum of 1", setter("optimizer_mnist.optimizers.Momentum", {"name": "momentum", "momentum": 1.0}), "momentum"),
    ("batch larger than subset", setter("weight_decay.batch_size", 500), "weight_decay.batch_size"),
    ("batch larger than the search split", setter("random_search.batch_size", 450), "random_search.batch_size"),
    ("empty seed list", setter("seeds", []), "seeds"),
    ("duplicated seeds", setter("seeds", [1, 2, 1]), "seeds"),
    ("negative seed", setter("seeds", [-1]), "seeds"),
    ("weight std zero", setter("init_mnist.inits.He", 0), "config key 'init_mnist.inits.He'"),
    ("weight std negative", setter("activations.cases.sigmoid_std1", {"activation": "sigmoid", "weight_std": -1}),
     "sigmoid_std1"),
    ("dropout ratio of 1", setter("dropout.dropout_ratio", 1.0), "dropout_ratio"),
    ("dropout ratio negative", setter("dropout.dropout_ratio", -0.1), "dropout_ratio"),
    ("subset larger than MNIST", setter("batchnorm.train_size", 70000), "config key 'batchnorm.train_size'"),
    ("search subset larger than MNIST", setter("random_search.subset_size", 60001), "subset_size"),
    ("validation fraction 0", setter("random_search.validation_rate", 0), "validation_rate"),
    ("validation fraction 1", setter("random_search.validation_rate", 1.0), "validation_rate"),
    ("string where a number goes", setter("batchnorm.epochs", "twenty"), "config key 'batchnorm.epochs'"),
    ("float where an integer goes", setter("optimizer_mnist.iterations", 2000.5), "iterations"),
    ("hidden sizes not a list", setter("dropout.hidden_sizes", 100), "hidden_sizes"),
    ("reversed exponent range", setter("random_search.lr_exponents", [-2, -6]), "random_search.lr_exponents"),
    ("single panel index out of range", setter("batchnorm.single_panel_std_index", 16), "single_panel_std_index"),
    ("more shards than trials", setter("random_search.shards", 200), "random_search.shards"),
    ("negative weight decay", setter("weight_decay.lambdas", [0.0, -0.1]), "lambdas"),
    ("bad weight_std name", setter("init_mnist.inits.He", "kaiming"), "kaiming"),
]


@pytest.mark.parametrize("change, key", [(c, k) for _, c, k in BAD], ids=[d for d, _, _ in BAD])
def test_bad_config_names_the_key(change, key):
    cfg = book_config()
    change(cfg)
    with pytest.raises(Exception) as info:
        validated(cfg)
    assert key in str(info.value), str(info.value)


def test_at_least_fifteen_bad_cases():
    assert len(BAD) >= 15


def test_check_config_does_not_mutate_a_valid_config():
    cfg = validated(book_config())
    before = copy.deepcopy(cfg)
    check_config(cfg)
    assert cfg == before


def test_one_seed_config_is_valid():
    cfg = book_config()
    cfg.update(yaml.safe_load((ROOT / "config" / "one_seed.yaml").read_text()))
    assert validated(cfg)["seeds"] == [0]


# --------------------------------------------------------------------------- overrides

from dlscratch.config import ConfigError, resolve_config, typed  # noqa: E402


def test_an_override_replaces_a_variant_table_and_merges_the_rest(tmp_path):
    override = tmp_path / "two.yaml"
    override.write_text("optimizer_mnist:\n  iterations: 50\n  optimizers:\n    SGD: {name: sgd}\n    Adam: {name: adam}\n")
    cfg = resolve_config(book_config(), [override])
    assert list(cfg["optimizer_mnist"]["optimizers"]) == ["SGD", "Adam"]
    assert cfg["optimizer_mnist"]["iterations"] == 50 and cfg["optimizer_mnist"]["batch_size"] == 128
    assert list(cfg["optimizer_paths"]["optimizers"]) == list(book_config()["optimizer_paths"]["optimizers"])
    later = tmp_path / "later.yaml"
    later.write_text("optimizer_mnist:\n  batch_size: 64\n")
    cfg = resolve_config(book_config(), [override, later])
    assert list(cfg["optimizer_mnist"]["optimizers"]) == ["SGD", "Adam"] and cfg["optimizer_mnist"]["batch_size"] == 64


def test_command_line_values_are_read_as_yaml():
    # what Snakemake hands over for --config 'seeds=[3,4]' and a nested block (YAML's BaseLoader: all strings)
    cfg = resolve_config(book_config(), [], {"seeds": ["3", "4"],
                                             "weight_decay": {"lambdas": ["0.0", "0.05"], "epochs": "7"},
                                             "init_mnist": {"inits": {"0.01": "0.01", "NA": "he"}}})
    assert cfg["seeds"] == [3, 4]
    assert cfg["weight_decay"]["lambdas"] == [0.0, 0.05] and cfg["weight_decay"]["epochs"] == 7
    assert cfg["init_mnist"]["inits"] == {"0.01": 0.01, "NA": "he"}  # labels stay text
    assert resolve_config(book_config(), [], {"seeds": 3})["seeds"] == [3]
    validated(cfg)
    assert typed("sgd") == "sgd" and typed("1e-3") == 0.001 and typed("true") is True


@pytest.mark.parametrize("label, words", [(1, "quote it"), ("_hidden", "starts with '_'"), (" ", "empty")])
def test_labels_the_plots_cannot_show_are_refused(label, words):
    cfg = book_config()
    cfg["optimizer_mnist"]["optimizers"] = {label: {"name": "sgd"}}
    with pytest.raises(ConfigError) as info:
        check_config(cfg)
    assert "optimizer_mnist.optimizers" in str(info.value) and words in str(info.value)


def test_non_finite_numbers_and_colliding_lambda_labels_are_refused():
    cfg = book_config()
    cfg["init_mnist"]["inits"]["He"] = float("inf")
    with pytest.raises(ConfigError, match="init_mnist.inits.He"):
        check_config(cfg)
    cfg = book_config()
    cfg["weight_decay"]["lambdas"] = [0.1, 0.1000000001]
    with pytest.raises(ConfigError, match="weight_decay.lambdas"):
        check_config(cfg)
