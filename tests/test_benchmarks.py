"""The FLOP counts the benchmark reports (benchmarks/flops.py)."""

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
    assert flops["optimizer_mnist"] == 6 * per_variant
    assert flops["init_mnist"] == 3 * per_variant
    # 6.4: lambda 0 and no Dropout are one run of 301 epochs; lambda 0.1 runs 201, Dropout 301
    deep = 784 * 100 + 5 * 100 * 100 + 100 * 10
    step = 100 * (deep + deep + 5 * 100 * 100 + 100 * 10)
    assert flops["overfit_baseline"] == flops["dropout"] == 2 * (903 * step + 302 * 10300 * deep)
    assert flops["weight_decay"] == 2 * (603 * step + 202 * 10300 * deep)
    assert flops["random_search"] == 100 * 2 * (200 * step + 51 * 500 * deep)
    assert 6e12 < sum(flops.values()) < 7e12
