"""What the benchmark reports: its FLOP counts (benchmarks/flops.py), the job times it
reads (benchmarks/run.py), and the book-reference timings (benchmarks/book_reference.py)."""

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from flops import _run, experiment_flops  # noqa: E402


def test_a_training_step_and_an_evaluation_by_hand():
    # sizes 4-3-2: forward 4*3 + 3*2 = 18 multiply-adds per sample; backward 18 for the
    # weight gradients + 6 for the input gradient of the second layer
    assert _run([4, 3, 2], batch=5, iterations=1, eval_rows=0, evals=0) == 2 * 5 * (18 + 24)
    assert _run([4, 3, 2], 5, 1, 0, 0, forwards_per_step=2) == 2 * 5 * (36 + 24)
    assert _run([4, 3, 2], 5, 0, eval_rows=7, evals=2) == 2 * 7 * 2 * 18


def test_book_config_counts():
    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "config.yaml").read_text())
    flops = experiment_flops(config)
    forward = 784 * 100 + 3 * 100 * 100 + 100 * 10
    per_variant = 2 * (128 * 2000 * (2 * forward + forward + 3 * 100 * 100 + 100 * 10) + 70000 * forward)
    assert flops["optimizer_mnist"] == len(config["optimizer_mnist"]["optimizers"]) * per_variant
    assert flops["init_mnist"] == len(config["init_mnist"]["inits"]) * per_variant
    # 6.4: lambda 0 and no Dropout are one run of 301 epochs; lambda 0.1 runs 201, Dropout 301
    deep = 784 * 100 + 5 * 100 * 100 + 100 * 10
    step = 100 * (deep + deep + 5 * 100 * 100 + 100 * 10)
    assert flops["overfit_baseline"] == flops["dropout"] == 2 * (903 * step + 302 * 10300 * deep)
    assert flops["weight_decay"] == 2 * (603 * step + 202 * 10300 * deep)
    assert flops["random_search"] == 100 * 2 * (200 * step + 51 * 500 * deep)
    assert 6e12 < sum(flops.values()) < 7e12


# --- benchmarks/book_reference.py, on a stand-in for the book's checkout -------------------

import book_reference  # noqa: E402
import pytest  # noqa: E402

from dlscratch.datasets import DEFAULT_DATA_DIR  # noqa: E402

# Every stand-in script records, in ch06/ran.txt, its name and the value the book's edits change.
FAKE_SCRIPT = """import os, sys
sys.path.append(os.pardir)
from dataset.mnist import load_mnist
load_mnist()
{line}
with open("ran.txt", "a") as f:
    f.write(os.path.basename(__file__) + " " + repr({name}) + "\\n")
"""
FAKE_LOADER = """import os
here = os.path.dirname(os.path.abspath(__file__))
def load_mnist():
    for name in {files!r}:
        assert os.path.getsize(os.path.join(here, name)) > 0, name
    open(os.path.join(here, "mnist.pkl"), "a").close()
"""


def fake_book(root):
    (root / "common").mkdir(parents=True)
    (root / "dataset").mkdir()
    (root / "ch06").mkdir()
    (root / "dataset" / "mnist.py").write_text(FAKE_LOADER.format(files=book_reference.MNIST_FILES))
    lines = {"overfit_weight_decay.py": ("#weight_decay_lambda = 0\nweight_decay_lambda = 0.1",
                                        "weight_decay_lambda"),
             "overfit_dropout.py": ("use_dropout = True  # False without Dropout", "use_dropout")}
    for _, script, _ in book_reference.RUNS:
        if script not in book_reference.EDITS:
            line, name = lines.get(script, ("x = None", "x"))
            (root / "ch06" / script).write_text(FAKE_SCRIPT.format(line=line, name=name))
    return root


def test_book_reference_runs_every_script_and_the_two_edited_copies(tmp_path):
    book = fake_book(tmp_path / "book")
    work = tmp_path / "work"
    work.mkdir()
    rows = book_reference.measure(book, DEFAULT_DATA_DIR, work=work)
    assert [r[1] for r in rows] == [script for _, script, _ in book_reference.RUNS]
    ran = (work / "ch06" / "ran.txt").read_text().splitlines()
    assert ran == [f"{script} {value}" for script, value in [
        ("optimizer_compare_naive.py", None), ("weight_init_activation_histogram.py", None),
        ("optimizer_compare_mnist.py", None), ("weight_init_compare.py", None), ("batch_norm_test.py", None),
        ("overfit_weight_decay.py", 0.1), ("overfit_weight_decay_lambda0.py", 0),
        ("overfit_dropout.py", True), ("overfit_dropout_without.py", False),
        ("hyperparameter_optimization.py", None)]]
    # the copies carry the verified MNIST files; the checkout itself is left untouched
    assert sorted(p.name for p in (work / "dataset").glob("*.gz")) == sorted(book_reference.MNIST_FILES)
    assert not list(book.rglob("*.gz")) and not list(book.rglob("ran.txt"))
    one_pass, every_figure = book_reference.totals(rows)
    assert every_figure == pytest.approx(one_pass + rows[6][3] + rows[8][3])


def test_book_reference_names_what_is_wrong(tmp_path):
    with pytest.raises(SystemExit, match="not a checkout of the book.s code: .*common is missing"):
        book_reference.measure(tmp_path, DEFAULT_DATA_DIR)
    book = fake_book(tmp_path / "book")
    (book / "ch06" / "weight_init_compare.py").rename(book / "ch06" / "moved.py")
    with pytest.raises(SystemExit, match="lacks weight_init_compare.py"):
        book_reference.measure(book, DEFAULT_DATA_DIR)
    (book / "ch06" / "moved.py").rename(book / "ch06" / "weight_init_compare.py")
    script = book / "ch06" / "overfit_dropout.py"
    script.write_text(script.read_text().replace("use_dropout = True", "dropout = True"))
    with pytest.raises(SystemExit, match="overfit_dropout.py: no line matching"):
        book_reference.measure(book, DEFAULT_DATA_DIR)
    (book / "ch06" / "batch_norm_test.py").write_text("raise RuntimeError('broken on purpose')\n")
    script.write_text(script.read_text().replace("dropout = True", "use_dropout = True"))
    with pytest.raises(SystemExit, match=r"(?s)batch_norm_test.py failed .*broken on purpose"):
        book_reference.measure(book, DEFAULT_DATA_DIR)


def test_the_benchmarks_job_times_are_read_from_the_run_it_timed(small_pipeline):
    # the store's records name their benchmark files relative to the run's directory, and
    # the benchmark runs elsewhere (a temporary copy): each trained experiment has its row
    from run import experiment_table

    from dlscratch.registry import EXPERIMENTS

    table = experiment_table(small_pipeline)
    trained = {name for name, e in EXPERIMENTS.items() if not e.study}
    assert set(table.index) == trained
    # (Snakemake samples a job's memory: a job of half a second may show only its shell's)
    mnist = [name for name in trained if EXPERIMENTS[name].mnist]
    assert (table.job_s > 0).all() and (table.max_rss_mb > 0).all() and (table.loc[mnist, "max_rss_mb"] > 50).all()
    assert table.loc["random_search", "jobs"] == 4  # 2 seeds, 2 shards each
