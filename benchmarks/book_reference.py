"""The reference for the speed targets: the book's own Chapter 6 scripts, one after another.

    python benchmarks/book_reference.py PATH/TO/deep-learning-from-scratch

The book's code is not part of this project: clone
https://github.com/oreilly-japan/deep-learning-from-scratch and pass its path. Nothing is
written into that checkout. Its ``common/``, ``dataset/mnist.py`` and ``ch06/`` are copied
to a temporary directory, and the project's verified MNIST files are put beside the copied
``dataset/mnist.py``, so the book's loader finds them and downloads nothing. It builds its
pickle once, before any timing. Each script then runs as shipped, with ``MPLBACKEND=Agg``
(``plt.show()`` returns at once) and its printing discarded, with the default BLAS threads.

The book makes two more figures by editing one line: Fig 6-20 with
``weight_decay_lambda = 0`` in overfit_weight_decay.py and the left panel of Fig 6-23 with
``use_dropout = False`` in overfit_dropout.py. Those two runs are timed too, from edited
copies. Printed: each run's wall time, the total of one pass (every script once, as
shipped) and the total of every figure of the chapter (one pass and the two edited runs).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlscratch.datasets import DEFAULT_DATA_DIR, FILES, load_raw

# (run label, script in ch06/, part of one pass as shipped?) in the book's order.
RUNS = [
    ("paths (Figs 6-3..6-8)", "optimizer_compare_naive.py", True),
    ("activation histograms (Figs 6-10..6-14)", "weight_init_activation_histogram.py", True),
    ("optimizers on MNIST (Fig 6-9)", "optimizer_compare_mnist.py", True),
    ("init on MNIST (Fig 6-15)", "weight_init_compare.py", True),
    ("BatchNorm grid (Figs 6-18, 6-19)", "batch_norm_test.py", True),
    ("weight decay 0.1 (Fig 6-21)", "overfit_weight_decay.py", True),
    ("weight decay 0 (Fig 6-20)", "overfit_weight_decay_lambda0.py", False),
    ("Dropout (Fig 6-23, right)", "overfit_dropout.py", True),
    ("no Dropout (Fig 6-23, left)", "overfit_dropout_without.py", False),
    ("random search (Fig 6-24)", "hyperparameter_optimization.py", True),
]

# edited copy -> (original, line pattern, replacement): the one-line edits the book asks for.
EDITS = {
    "overfit_weight_decay_lambda0.py": ("overfit_weight_decay.py", r"^weight_decay_lambda\s*=.*$",
                                        "weight_decay_lambda = 0"),
    "overfit_dropout_without.py": ("overfit_dropout.py", r"^use_dropout\s*=.*$", "use_dropout = False"),
}

# the four .gz files, named as the project's loader (and the book's) name them
MNIST_FILES = [file for file, *_ in FILES.values()]


def check_checkout(book_dir):
    """Exit with a message naming what is missing unless ``book_dir`` holds the book's code."""
    book_dir = Path(book_dir)
    for needed in ["common", "dataset/mnist.py", "ch06"]:
        if not (book_dir / needed).exists():
            raise SystemExit(f"{book_dir} is not a checkout of the book's code: "
                             f"{book_dir / needed} is missing")
    missing = [script for _, script, _ in RUNS
               if script not in EDITS and not (book_dir / "ch06" / script).exists()]
    if missing:
        raise SystemExit(f"{book_dir / 'ch06'} lacks {', '.join(missing)}")


def prepare(book_dir, work, mnist_dir):
    """Copy the book's code to ``work`` with the verified MNIST files and the edited copies;
    return the copied ch06 directory."""
    check_checkout(book_dir)
    book_dir, work = Path(book_dir), Path(work)
    shutil.copytree(book_dir / "common", work / "common")
    shutil.copytree(book_dir / "ch06", work / "ch06")
    (work / "dataset").mkdir()
    shutil.copy2(book_dir / "dataset" / "mnist.py", work / "dataset" / "mnist.py")
    with tempfile.TemporaryDirectory() as cache:
        load_raw(mnist_dir, cache_dir=cache)  # raises, naming the file, if a checksum fails
    for name in MNIST_FILES:
        shutil.copy2(Path(mnist_dir) / name, work / "dataset" / name)
    ch06 = work / "ch06"
    for copy, (original, pattern, replacement) in EDITS.items():
        text, count = re.subn(pattern, replacement, (ch06 / original).read_text(), count=1, flags=re.M)
        if count != 1:
            raise SystemExit(f"{original}: no line matching {pattern!r} to edit")
        (ch06 / copy).write_text(text)
    # the book's loader builds its pickle at the first call: once, before any timing
    _run(ch06, ["-c", "import sys; sys.path.append('..'); from dataset.mnist import load_mnist; load_mnist()"])
    return ch06


def _run(ch06, args):
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, *args], cwd=ch06, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"{' '.join(args)} failed in {ch06} (exit code {done.returncode}):\n{tail}")


def time_runs(ch06):
    """Wall time of each run in RUNS: [(label, script, in_one_pass, seconds)]."""
    rows = []
    for label, script, in_pass in RUNS:
        start = time.perf_counter()
        _run(ch06, [script])
        rows.append((label, script, in_pass, time.perf_counter() - start))
    return rows


def totals(rows):
    """(one pass as shipped, every figure of the chapter), in seconds."""
    return sum(s for *_, in_pass, s in rows if in_pass), sum(s for *_, s in rows)


def measure(book_dir, mnist_dir, work=None):
    """Prepare and time every run; ``work`` keeps the copies (a temporary directory if None)."""
    if work is not None:
        return time_runs(prepare(book_dir, work, mnist_dir))
    with tempfile.TemporaryDirectory() as tmp:
        return time_runs(prepare(book_dir, tmp, mnist_dir))


def report(rows):
    for label, script, in_pass, seconds in rows:
        print(f"  {seconds:7.1f} s  {label:42} {script}{'' if in_pass else '  (edited copy)'}")
    one_pass, every_figure = totals(rows)
    print(f"one pass, every script once as shipped: {one_pass:.1f} s")
    print(f"every figure of the chapter (with the two edited runs): {every_figure:.1f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", help="a checkout of github.com/oreilly-japan/deep-learning-from-scratch")
    parser.add_argument("--mnist", default=DEFAULT_DATA_DIR,
                        help="the verified MNIST files (default: %(default)s)")
    args = parser.parse_args(argv)
    print("the book's Chapter 6 scripts, one after another (default BLAS threads):")
    rows = measure(args.book, args.mnist)
    report(rows)
    return rows


if __name__ == "__main__":
    main()
