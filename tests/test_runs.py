"""Named runs and the store, without Snakemake: runs.yaml read and checked, dotted keys,
what a run changes, the keys of store entries, which job computes each missing entry
(dlscratch.plan), a variant computed alone equal to the variants computed together, the
comparison's tables, and prune."""

import copy
import json

import pandas as pd
import pytest
from conftest import toy_digits
from snakemake_runner import run_config

from dlscratch.compare import claim_rows, tidy
from dlscratch.config import ConfigError, merge
from dlscratch.chapter.optimizers import optimizer_mnist
from dlscratch.plan import Run, jobs
from dlscratch.registry import EXPERIMENTS
from dlscratch.runs import changes, read_runs, run_config as resolve_run, selected, tried_run
from dlscratch.store import prune, register, registrations, stored, unit_key
from dlscratch.tables import FLOAT_FORMAT

SMALL = run_config("config/test.yaml")


# --------------------------------------------------------------------------- runs.yaml


def runs_file(tmp_path, text):
    path = tmp_path / "runs.yaml"
    path.write_text(text)
    return path


def test_runs_are_read_in_order_with_their_descriptions(tmp_path):
    runs = read_runs(runs_file(tmp_path, "b:\n  description: B\n  seeds: [3]\na: {}\nc:\n"))
    assert list(runs) == ["b", "a", "c"]
    assert runs["b"] == {"description": "B", "settings": {"seeds": [3]}} and runs["c"]["settings"] == {}
    assert read_runs(tmp_path / "none.yaml") == {}


SWEPT = "sweep 's'"  # a broken sweep's message names it


@pytest.mark.parametrize("text, message", [
    ("a: {}\nb: {}\na: {seeds: [1]}\n", "'a' is given twice (lines 1 and 3); each key only once"),
    ("a:\n  seeds: [1]\n  seeds: [2]\n", "'seeds' is given twice (lines 2 and 3)"),
    ("'my run': {}\n", "run 'my run' (" ),
    ("../up: {}\n", "run '../up' ("),
    ("book: {}\n", "'book' is the default run's name"),
    ("a: [1, 2]\n", "run 'a' (" ),
    ("- a\n", "a mapping of run names to their settings, not a list"),
    ("a:\n  description: '</script><script>alert(1)</script>'\n", "config key 'a.description': text '</script>"),
    ("a:\n  description: \"two\\nlines\"\n", "config key 'a.description': text 'two\\nlines' contains U+000A"),
    ("s:\n  sweep: {a.b: [0.01]}\n", (SWEPT, "config key 'a.b': a sweep needs a list of two values or more")),
    ("s:\n  sweep: {a.b: 0.01}\n", (SWEPT, "config key 'a.b': a sweep needs a list of two values or more")),
    ("s:\n  sweep: {seeds: [[1], [2]]}\n", (SWEPT, "swept key 'seeds' must be a dotted key")),
    ("s:\n  sweep: {a.b: [1, 2], c.d: [1, 2], e.f: [1, 2]}\n", (SWEPT, "maps one dotted key (or two, for a grid)")),
    ("s:\n  sweep: {a.b: [1, 1.0]}\n", (SWEPT, "a value is given twice in [1, 1.0]")),
    ("s:\n  sweep: {store_dir.x: [1, 2]}\n", (SWEPT, "config key 'store_dir.x' is a setting of every run")),
    ("s:\n  a.b: 1\n  sweep: {a.b: [1, 2]}\n", (SWEPT, "config key 'a.b' is both swept and set")),
    ("s:\n  sweep: {a.b: [x y, z]}\n", (SWEPT, "the run's name would be 's_x y'")),
    ("s_1: {}\ns:\n  sweep: {a.b: [1, 2]}\n", (SWEPT, "its run 's_1' has the name of run 's_1'")),
])
def test_a_broken_runs_file_or_sweep_is_refused_naming_the_run(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        read_runs(runs_file(tmp_path, text))
    assert all(part in str(caught.value) for part in ((message,) if isinstance(message, str) else message))


def test_an_unknown_run_is_refused_listing_the_defined_ones():
    runs = {"adam_lr_10x": {}, "dropout_0.3": {}}
    assert selected(runs, None) == ["adam_lr_10x", "dropout_0.3"] and selected(runs, ["dropout_0.3"]) == ["dropout_0.3"]
    with pytest.raises(ConfigError, match="config key 'runs': unknown run 'adam'; the defined runs are adam_lr_10x, "
                                          "dropout_0.3"):
        selected(runs, ["adam"])


# --------------------------------------------------------------------------- sweeps and tried runs


def test_a_sweep_is_one_run_per_value_named_after_the_sweep_and_the_value(tmp_path):
    runs = read_runs(runs_file(tmp_path, """
before: {}
lr:
  description: Adam's rate
  seeds: [3]
  sweep:
    optimizer_mnist.optimizers.Adam.lr: [0.0001, 0.001, 1.0e-5]
grid:
  sweep: {weight_decay.lr: [0.01, 0.1], dropout.dropout_ratio: [0.15, 0.3]}
"""))
    assert list(runs) == ["before", "lr_0.0001", "lr_0.001", "lr_1e-05", "grid_0.01_0.15", "grid_0.01_0.3",
                          "grid_0.1_0.15", "grid_0.1_0.3"]
    assert runs["lr_0.001"] == {
        "description": "Adam's rate: optimizer_mnist.optimizers.Adam.lr = 0.001",
        "settings": {"seeds": [3], "optimizer_mnist.optimizers.Adam.lr": 0.001},
        "sweep": {"name": "lr", "keys": ["optimizer_mnist.optimizers.Adam.lr"], "values": [0.001]}}
    assert runs["grid_0.1_0.15"]["settings"] == {"weight_decay.lr": 0.1, "dropout.dropout_ratio": 0.15}
    assert runs["grid_0.1_0.15"]["sweep"]["keys"] == ["weight_decay.lr", "dropout.dropout_ratio"]
    # a sweep's name asks for all its runs
    assert selected(runs, ["lr", "before"]) == ["lr_0.0001", "lr_0.001", "lr_1e-05", "before"]
    with pytest.raises(ConfigError, match=r"unknown run 'lrr'; the defined runs are before, lr_0.0001, .*, lr \(a "
                                          r"sweep\), grid \(a sweep\)"):
        selected(runs, ["lrr"])


def test_a_tried_run_is_named_after_its_change_and_checked_like_any_run():
    assert tried_run("optimizer_mnist.optimizers.Adam.lr=0.01") == ("try_Adam.lr_0.01", {
        "description": "tried from the command line: optimizer_mnist.optimizers.Adam.lr = 0.01",
        "settings": {"optimizer_mnist.optimizers.Adam.lr": 0.01}, "tried": True})
    name, run = tried_run(["optimizer_mnist.optimizers.Adam.lr=0.01", "dropout.dropout_ratio = 0.3"])
    assert name == "try_Adam.lr_0.01_dropout.dropout_ratio_0.3"
    assert run["settings"] == {"optimizer_mnist.optimizers.Adam.lr": 0.01, "dropout.dropout_ratio": 0.3}
    name, _ = tried_run("optimizer_mnist.hidden_sizes=[" + ", ".join(["100"] * 20) + "]")
    assert len(name) == 64 and name.startswith("try_optimizer_mnist.hidden_sizes_-100--100-")
    for value, message in [("nope", "'nope' is not a change: give KEY=VALUE"), (["a.b=1", 3], "is not a change"),
                           ("optimizer_mnist.optimizers.Adam<b>.lr=1", "contains '<'"),
                           ("=1", "has no key before '='"),
                           ("store_dir=/tmp", "'store_dir' is a setting of every run"),
                           ("a.b=[1", "the value of 'a.b' is not YAML")]:
        with pytest.raises(ConfigError, match="config key 'try'") as caught:
            tried_run(value)
        assert message in str(caught.value), value
    # an unknown key is refused as any run's: by its settings' checks, naming the run and the key
    name, run = tried_run("optimizer_mnist.optimizers.Adamm.lr=0.01")
    with pytest.raises(ConfigError, match=f"^run '{name}': config key 'optimizer_mnist.optimizers.Adamm.lr'"):
        resolve_run(name, SMALL, run["settings"], schema)


def test_a_run_that_sets_the_books_value_is_written_as_the_book_writes_it():
    # the book leaves Adam's lr to its default (0.001): a run setting 0.001 is the book's, entries and all
    same = resolve_run("same", SMALL, {"optimizer_mnist.optimizers.Adam.lr": 0.001}, schema)
    assert same["optimizer_mnist"] == SMALL["optimizer_mnist"] and changes(SMALL, same) == []
    assert SMALL["init_mnist"]["optimizer"] == {"name": "sgd", "lr": 0.01}  # written out in config.yaml
    other = resolve_run("x", SMALL, {"init_mnist": {"optimizer": {"name": "sgd"}}}, schema)
    assert other["init_mnist"]["optimizer"] == {"name": "sgd", "lr": 0.01}
    changed = resolve_run("y", SMALL, {"optimizer_mnist.optimizers.Adam.lr": 0.002}, schema)
    assert changed["optimizer_mnist"]["optimizers"]["Adam"] == {"name": "adam", "lr": 0.002}


def schema(settings):  # the config schema's checks, as the Snakefile passes them
    from snakemake_runner import schema_check

    schema_check()(settings)


def test_a_run_is_the_default_settings_with_its_own_on_top_checked_as_they_are():
    run = resolve_run("adam", SMALL, {"optimizer_mnist.optimizers.Adam.lr": 0.01, "seeds": [4]}, schema)
    assert run["optimizer_mnist"]["optimizers"]["Adam"] == {"name": "adam", "lr": 0.01}
    assert list(run["optimizer_mnist"]["optimizers"]) == list(SMALL["optimizer_mnist"]["optimizers"])
    assert run["seeds"] == [4] and run["batchnorm"] == SMALL["batchnorm"]
    with pytest.raises(ConfigError, match=r"^run 'fast': config key 'optimizer_mnist.iterations': 0 is less than "
                                          r"the minimum of 11 \(checked against"):
        resolve_run("fast", SMALL, {"optimizer_mnist": {"iterations": 0}}, schema)
    with pytest.raises(ConfigError, match="^run 'typo': config key 'optimizer_mnist.optimizers.Adamm.lr': "
                                          "optimizer_mnist.optimizers has no key 'Adamm'"):
        resolve_run("typo", SMALL, {"optimizer_mnist.optimizers.Adamm.lr": 0.01}, schema)


def test_a_dotted_key_changes_one_value_even_under_a_label_with_dots():
    config = merge(copy.deepcopy(SMALL), {"activations.cases.sigmoid_std0.01.weight_std": 0.02})
    assert config["activations"]["cases"]["sigmoid_std0.01"] == {"activation": "sigmoid", "weight_std": 0.02}
    assert config["activations"]["cases"]["sigmoid_std1"] == SMALL["activations"]["cases"]["sigmoid_std1"]
    with pytest.raises(ConfigError, match="'optimizer_mnist.batch_size' is a value, not a mapping"):
        merge(copy.deepcopy(SMALL), {"optimizer_mnist.batch_size.x": 1})


def test_what_a_run_changes_reads_as_book_value_to_run_value():
    run = merge(copy.deepcopy(SMALL), {"optimizer_mnist.optimizers.Adam.lr": 0.01, "dropout.dropout_ratio": 0.3})
    assert changes(SMALL, run) == [("optimizer_mnist.optimizers.Adam.lr", "0.001 (default)", "0.01"),
                                   ("dropout.dropout_ratio", "0.15", "0.3")]
    assert changes(SMALL, copy.deepcopy(SMALL)) == []


# --------------------------------------------------------------------------- the store


DIGESTS = {name: "code" for name in EXPERIMENTS}


def entries(run, experiment, seed=0):
    return {e.unit: e for e in run.entries(experiment, seed)}


def test_an_entry_key_changes_with_its_units_settings_and_code_only():
    book = Run("book", SMALL, DIGESTS)
    adam = Run("adam", merge(copy.deepcopy(SMALL), {"optimizer_mnist.optimizers.Adam.lr": 0.01}), DIGESTS)
    ours, theirs = entries(book, "optimizer_mnist"), entries(adam, "optimizer_mnist")
    assert [u for u in ours if ours[u].key != theirs[u].key] == ["Adam"]
    ratio = Run("r", merge(copy.deepcopy(SMALL), {"dropout.dropout_ratio": 0.3}), DIGESTS)
    assert {u: e.key == entries(book, "dropout")[u].key for u, e in entries(ratio, "dropout").items()} == {
        "without": True, "with": False}  # the run without Dropout does not depend on the ratio
    # one λ, one init, one activation case: each its own entry, the others untouched
    for experiment, change, unit in [
            ("weight_decay", {"weight_decay": {"lambdas": [0.0, 0.2]}}, "lambda0.2"),
            ("init_mnist", {"init_mnist.inits.He": 0.05}, "He"),
            ("activations", {"activations.cases.relu_he.weight_std": 0.5}, "relu_he")]:
        changed = entries(Run("c", merge(copy.deepcopy(SMALL), change), DIGESTS), experiment)
        ours = entries(book, experiment)
        assert [u for u, e in changed.items() if u not in ours or ours[u].key != e.key] == [unit], experiment
    other_code = Run("book", SMALL, {**DIGESTS, "batchnorm": "edited"})
    assert entries(other_code, "batchnorm")["all"].key != entries(book, "batchnorm")["all"].key
    assert entries(other_code, "dropout") == entries(book, "dropout")
    assert unit_key("e", {"a": 1}, "c") == unit_key("e", {"a": 1}, "c") != unit_key("e", {"a": 2}, "c")


def test_jobs_compute_each_missing_entry_once_the_book_first_and_a_changed_variant_alone():
    book = Run("book", SMALL, DIGESTS)
    adam = Run("adam", merge(copy.deepcopy(SMALL), {"optimizer_mnist.optimizers.Adam.lr": 0.01}), DIGESTS)
    twin = Run("twin", copy.deepcopy(SMALL), DIGESTS)
    # nothing stored yet: the book's run has a job per seed for its six optimizers, as always
    batches, baselines, keyed = jobs([book, adam, twin], studies=False, is_complete=lambda entry: False)
    mnist = [b for b in batches if b.experiment == "optimizer_mnist"]
    assert [(b.rule, len(b.entries), b.seeds) for b in mnist] == [("optimizer_mnist", len(SMALL["optimizer_mnist"]["optimizers"]), [0, 1]),
                                                                  ("optimizer_mnist__adam", 1, [0, 1])]
    assert mnist[1].entries[0].unit == "Adam" and not [b for b in batches if b.run == "twin"]
    assert [(b.rule, b.seeds) for b in baselines] == [("overfit_baseline", [0, 1])]
    assert sorted(keyed) == ["batchnorm", "dropout", "function_surface", "random_search", "weight_decay"]
    assert len(keyed["weight_decay"]) == 2 and {e.unit for e in keyed["dropout"]} == {"with"}
    # the book's run stored: only the named run's Adam is left, and going back trains nothing
    stored = {e.directory for e in book_entries(book)}
    batches, baselines, keyed = jobs([book, adam], studies=False, is_complete=lambda e: e.directory in stored)
    assert [(b.rule, [e.unit for e in b.entries]) for b in batches] == [("optimizer_mnist__adam", ["Adam"])]
    assert not baselines and not keyed
    assert jobs([book], studies=False, is_complete=lambda e: e.directory in stored) == ([], [], {})


def book_entries(run):
    from dlscratch.plan import needed

    return needed([run], studies=False).values()


def test_a_variant_computed_alone_is_byte_identical_to_it_computed_with_the_others():
    data = toy_digits(0, 300, 100)
    settings = {"train_size": 300, "hidden_sizes": [8], "batch_size": 20, "iterations": 30,
                "optimizers": {"SGD": {"name": "sgd"}, "Adam": {"name": "adam"}, "Momentum": {"name": "momentum"}}}
    together = optimizer_mnist(settings, data, seed=3)
    alone = [optimizer_mnist({**settings, "optimizers": {label: spec}}, data, seed=3)
             for label, spec in settings["optimizers"].items()]

    def csv(table):
        return table.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")

    for name in ("loss", "summary"):
        assert csv(together[name]) == csv(pd.concat([tables[name] for tables in alone], ignore_index=True))


def test_prune_deletes_only_entries_no_run_refers_to_and_counts_what_is_on_disk(tmp_path):
    root = tmp_path / "store"
    kept, gone = root / "batchnorm" / "aaaa" / "seed0", root / "batchnorm" / "bbbb" / "seed0"
    for directory in (kept, gone):
        directory.mkdir(parents=True)
        (directory / "accuracy.csv").write_text("x\n")
        (directory / "provenance.json").write_text("{}")
    stopped = root / "batchnorm" / "cccc" / ".seed0.host.123.tmp"  # a job stopped while writing
    stopped.mkdir(parents=True)
    (stopped / "accuracy.csv").write_text("xy\n")
    register(root, tmp_path, ["batchnorm/aaaa/seed0"])  # not an entry: the store's own records
    plan = (prune(root, ["batchnorm/aaaa/seed0"], dry_run=True))
    assert plan == ([("batchnorm/bbbb/seed0", 4), ("batchnorm/cccc/.seed0.host.123.tmp", 3)],
                    [("batchnorm/aaaa/seed0", 4)])
    assert gone.exists() and stopped.exists()
    assert prune(root, ["batchnorm/aaaa/seed0"]) == plan
    assert kept.exists() and not gone.parent.exists() and not stopped.parent.exists()
    assert stored(root) == [("batchnorm/aaaa/seed0", 4)] and registrations(root) == {
        str(tmp_path.resolve()): {"batchnorm/aaaa/seed0"}}


# --------------------------------------------------------------------------- the comparison


def claims_table(verdicts):
    return pd.DataFrame([{"claim": c, "statement": s, "verdict": v, "mean": m, "ci95_low": m - 1, "ci95_high": m + 1,
                          "diverged": "", "verdict_trained": v} for c, s, v, m in verdicts])


def test_the_comparison_matches_claims_by_figure_and_place_and_marks_changed_verdicts():
    book = claims_table([("6-9", "Adam (lr 0.001) beats SGD", "holds", 1.0), ("6-9", "AdaGrad is fastest", "holds", 2.0)])
    adam = claims_table([("6-9", "Adam (lr 0.01) beats SGD", "holds", 1.5), ("6-9", "AdaGrad is fastest",
                                                                             "does not hold", -1.0)])
    rows = claim_rows({"book": book, "adam": adam}, ["book", "adam"])
    assert [r["differs"] for r in rows] == [False, True]
    assert rows[0]["cells"][1]["statement"] == "Adam (lr 0.01) beats SGD"  # its own wording, where it differs
    table = tidy({"book": book, "adam": adam}, ["book", "adam"])
    assert list(table.columns) == ["kind", "run", "sweep", "key", "value", "figure", "claim", "verdict", "mean", "lo",
                                   "hi"]
    assert set(table.kind) == {"claim"} and set(table.sweep) == {""}
    assert table[table.run == "adam"].claim.tolist() == ["Adam (lr 0.001) beats SGD", "AdaGrad is fastest"]
    assert table[table.run == "adam"][["verdict", "mean", "lo", "hi"]].values.tolist() == [
        ["holds", 1.5, 0.5, 2.5], ["does not hold", -1.0, -2.0, 0.0]]
    json.dumps(rows)  # plain data for the page
