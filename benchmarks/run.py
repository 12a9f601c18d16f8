"""The speed benchmark: one command, figures printed.

    python benchmarks/run.py              # steps/s, MNIST loading, the book-scale pipeline with one seed
    python benchmarks/run.py --seeds 5    # ... with five seeds
    python benchmarks/run.py --quick      # steps/s and loading only
    python benchmarks/run.py --profile    # where the time goes, per experiment (cProfile)
    python benchmarks/run.py --book DIR   # ... and the book's own scripts, for the targets
    python benchmarks/run.py --studies    # the studies target (beyond the book) instead of the chapter
    python benchmarks/run.py --explore    # the chapter with one seed, then Adam's rate changed and back, compare
    python benchmarks/run.py --compare    # the book's run alone, then compare (the runs and the sweep), each from empty

Prints: training steps per second (784-100-100-100-100-10 ReLU, batch 128, float32 and
float64, default BLAS threads and one); MNIST load times; then runs the whole book-scale
pipeline from an empty results/ in a temporary copy of the project with `--cores 4`
and prints its wall time, each experiment's job time and peak RSS (from Snakemake's
benchmark files), its matrix-product FLOPs (benchmarks/flops.py) and the rate they were
done at, the floor those FLOPs set at this CPU's float32 peak, the BLAS threads each job
ran with, and the time a plotting-only change takes to redraw. With ``--book DIR`` (a
checkout of the book's code) it then times the book's Chapter 6 scripts one after another
(benchmarks/book_reference.py) and prints the pipeline's speed-up over them, against the
targets: one seed at least 4x faster than one pass of the book's scripts, five seeds no
slower than it. With ``--studies`` it runs `snakemake --cores 4 studies` (the four studies
beyond the book, at their default settings, and the chapter's runs they reuse) instead, and
prints its wall time, against the budget of 20 minutes, and each experiment's job time.
With ``--explore`` it times what the store (results/store/) is for, at book scale with one
seed: the default run from an empty results/, the run after Adam's learning rate changes
(a dotted key, against the target of a quarter of the optimizer_mnist job time), the switch
back (target: under 30 s, no training), the store's size, and `snakemake compare` with the
runs of config/runs.yaml. With ``--compare`` it times, at book scale with one seed, each from
an empty results/, the book's run alone and `snakemake --cores 4 compare` with every run and
sweep of config/runs.yaml, and the job time of the training jobs the named runs add, Adam's
(a sweep of its rate, adam_lr_10x) apart. Run it with the machine otherwise idle.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import yaml
from book_reference import check_checkout as check_book
from book_reference import measure as measure_book
from book_reference import report as report_book
from book_reference import totals as book_totals
from flops import experiment_flops, gemm_peak
from step_speed import steps_per_second

from dlscratch.datasets import DEFAULT_DATA_DIR
from dlscratch.index import experiment_times

ROOT = Path(__file__).resolve().parents[1]


def print_steps(seconds):
    from threadpoolctl import threadpool_info, threadpool_limits

    info = threadpool_info()
    print("BLAS:", ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads, "
                             f"{i.get('architecture')})" for i in info))
    print(f"\n{'dtype':8} {'BLAS threads':13} {'best':>6} {'median':>7}  steps/s (of 5 windows)")
    for limit in (None, 1):
        for dtype in (np.float32, np.float64):
            if limit is None:
                sps = steps_per_second(dtype, seconds)
            else:
                with threadpool_limits(limits=limit):
                    sps = steps_per_second(dtype, seconds)
            label = "default" if limit is None else str(limit)
            print(f"{np.dtype(dtype).name:8} {label:13} {sps[0]:6.0f} {sps[1]:7.0f}")


def print_loading():
    from dlscratch.datasets import load_mnist

    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        load_mnist(cache_dir=cache)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        load_mnist(cache_dir=cache)
        warm = time.perf_counter() - start
    print(f"\nMNIST load: {cold:.2f} s from the .gz files (decompress, verify, cache), "
          f"{warm:.2f} s from the verified cache ({DEFAULT_DATA_DIR})")


def copy_project(dest):
    for name in ["Snakefile", "workflow", "config", "src"]:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    (dest / "resources").mkdir()
    (dest / "resources" / "mnist").symlink_to(ROOT / "resources" / "mnist")


def snakemake(workdir, *args):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "snakemake", "--cores", "4", *args], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def experiment_table(workdir):
    records = sorted(Path(workdir, "results", "store").rglob("job.json"))  # which job made each entry
    times = experiment_times([[p.relative_to(workdir, "results", "store").parts[0], p] for p in records])
    if times.empty:
        raise SystemExit(f"no job times found under {workdir}/results/benchmarks")
    return times.rename(columns={"seconds": "job_s"}).set_index("experiment").sort_values("job_s", ascending=False)


def blas_threads(workdir):
    threads = set()
    for log in (workdir / "results" / "logs").rglob("*.log"):
        first = log.read_text().splitlines()[0]
        threads.update(int(part.split(":")[1].split(",")[0]) for part in first.split("'num_threads'")[1:])
    return sorted(threads)


def print_pipeline(seeds):
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        copy_project(work)
        (work / "config" / "seeds.yaml").write_text(f"seeds: {list(range(seeds))}\n")
        wall = snakemake(work, "--configfile", "config/seeds.yaml")
        print(f"\nbook-scale pipeline, {seeds} seed(s), snakemake --cores 4 from empty results/: {wall:.1f} s wall")
        table = experiment_table(work)
        config = yaml.safe_load((work / "config" / "config.yaml").read_text())
        flops = pd.Series(experiment_flops(config)) * seeds
        table["GFLOP"] = flops / 1e9
        table["GFLOP/s"] = table["GFLOP"] / table["job_s"]
        print(table.to_string(float_format=lambda v: f"{v:.1f}"))
        peak = gemm_peak()
        cpus = len(os.sched_getaffinity(0))
        print(f"sum of job times {table.job_s.sum():.1f} s; largest peak RSS {table.max_rss_mb.max():.0f} MB; "
              f"BLAS threads per job: {blas_threads(work)}")
        print(f"matrix products alone (784 pixels): {flops.sum() / 1e12:.2f} TFLOP; at this CPU's float32 peak "
              f"of {peak:.0f} GFLOP/s per core (1024^3 product, 1 thread) that is {flops.sum() / 1e9 / peak:.0f} "
              f"CPU-s, {flops.sum() / 1e9 / peak / cpus:.0f} s on {cpus} CPUs")
        # a change to one figure family's look: its plot job alone reruns (and the index)
        redraw = snakemake(work, "--configfile", "config/seeds.yaml", "--forcerun", "plot_batchnorm")
        log = (work / "results" / "logs" / "figures" / "batchnorm.log").read_text()
        job = float(log.split("elapsed")[-1].split()[0])
        print(f"plotting-only change (the BatchNorm figures redrawn): {redraw:.1f} s for snakemake in all, "
              f"{job:.1f} s for the redrawing job")
    return wall


def planned_training(workdir, *args):
    """The training rules a dry run of ``args`` plans (a named run's too: optimizer_mnist__<run>)."""
    from dlscratch.registry import EXPERIMENTS

    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "4", *args], cwd=workdir,
                         capture_output=True, text=True, check=True).stdout
    table = out.split("Job stats:")[1].split("total")[0] if "Job stats:" in out else ""
    rules = {line.split()[0] for line in table.splitlines()[2:] if line.split()}
    return sorted(r for r in rules if r.split("__")[0] in {*EXPERIMENTS, "overfit_baseline"})


def print_explore():
    """Time exploring at book scale with one seed: the default run, Adam's rate changed, back, compare."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        copy_project(work)
        one = ["--configfile", "config/one_seed.yaml"]
        adam = [*one, "config/adam.yaml"]
        (work / "config" / "adam.yaml").write_text("optimizer_mnist.optimizers.Adam.lr: 0.01\n")
        wall = snakemake(work, *one)
        table = experiment_table(work)
        mnist = table.loc["optimizer_mnist", "job_s"]
        print(f"\ndefault run, book scale, 1 seed, from empty results/: {wall:.1f} s wall; optimizer_mnist job "
              f"time {mnist:.1f} s (target after a change of Adam's rate: under a quarter, {mnist / 4:.1f} s)")
        print(f"  Adam's learning rate 10x: plans {planned_training(work, *adam)}")
        change = snakemake(work, *adam)
        trained = max((work / "results" / "benchmarks" / "store" / "optimizer_mnist").rglob("*.tsv"),
                      key=lambda p: p.stat().st_mtime)
        adam_s = float(pd.read_csv(trained, sep="\t")["s"].iloc[-1])
        print(f"  ... snakemake --cores 4: {change:.1f} s wall, of which the Adam job {adam_s:.1f} s "
              f"({'within' if change <= mnist / 4 else 'OVER'} the target)")
        planned = planned_training(work, *one)
        back = snakemake(work, *one)
        print(f"  back to the book's rate: plans {planned or 'no training job'}; {back:.1f} s wall (target 30 s: "
              f"{'within' if back <= 30 and not planned else 'OVER'})")
        store = sum(p.stat().st_size for p in (work / "results" / "store").rglob("*") if p.is_file())
        entries = len(list((work / "results" / "store").rglob("provenance.json")))
        print(f"  the store: {entries} entries, {store / 1e6:.2f} MB")
        compare = snakemake(work, "compare", *one)
        print(f"  snakemake --cores 4 compare (config/runs.yaml): {compare:.1f} s wall")


def added_training(workdir, book):
    """{(experiment, unit): job seconds} of the training jobs a run in ``workdir`` ran for the
    store entries the book's run alone (in ``book``) does not have: what the named runs add,
    from each entry's job record and Snakemake's benchmark of its job (a job counted once)."""
    import json

    store, known = Path(workdir, "results", "store"), Path(book, "results", "store")
    seconds, seen = {}, set()
    for record in sorted(store.rglob("job.json")):
        entry = record.parent.relative_to(store)
        job = json.loads(record.read_text())
        if (known / entry).exists() or job["benchmark"] in seen:
            continue
        seen.add(job["benchmark"])
        unit = json.loads((record.parent / "provenance.json").read_text())["unit"]
        key = (entry.parts[0], unit)
        seconds[key] = seconds.get(key, 0.0) + float(pd.read_csv(Path(workdir, job["benchmark"]), sep="\t")["s"].iloc[-1])
    return seconds


def print_compare():
    """Time, at book scale with one seed and each from an empty results/, the book's run alone
    and `snakemake compare` with every run and sweep of config/runs.yaml."""
    one = ["--configfile", "config/one_seed.yaml"]
    with tempfile.TemporaryDirectory() as tmp:
        book, both = Path(tmp, "book"), Path(tmp, "compare")
        for work in (book, both):
            work.mkdir()
            copy_project(work)
        alone = snakemake(book, *one)
        print(f"\nthe book's run alone, book scale, 1 seed, from empty results/: {alone:.1f} s wall")
        wall = snakemake(both, "compare", *one)
        runs = sorted(p.name for p in (both / "results" / "runs").iterdir())
        print(f"snakemake --cores 4 compare ({len(runs)} runs beside the book's: {', '.join(runs)}): {wall:.1f} s wall, "
              f"{wall - alone:.1f} s more than the book's run alone")
        added = added_training(both, book)
        for (experiment, unit), seconds in sorted(added.items()):
            print(f"  {experiment} ({unit}): {seconds:.1f} s of job time")
        adam = sum(v for (experiment, unit), v in added.items() if (experiment, unit) == ("optimizer_mnist", "Adam"))
        print(f"  Adam's jobs: {adam:.1f} s of job time, {100 * adam / wall:.0f}% of the compare's wall time; every "
              f"training job the runs add: {sum(added.values()):.1f} s; the rest is their figures (drawn or copied), "
              "tables, claims, pages, overlays and sweep figures")


def print_studies(budget_s=20 * 60):
    """Time `snakemake --cores 4 studies` from an empty results/ in a temporary copy."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        copy_project(work)
        wall = snakemake(work, "studies")
        print(f"\nstudies target at its default settings, snakemake --cores 4 from empty results/: {wall:.1f} s "
              f"wall ({wall / 60:.1f} min; budget {budget_s / 60:.0f} min: "
              f"{'within' if wall <= budget_s else 'OVER'})")
        table = experiment_table(work)
        print(table.to_string(float_format=lambda v: f"{v:.1f}"))
        print(f"sum of job times {table.job_s.sum():.1f} s over {table.jobs.sum()} jobs; largest peak RSS "
              f"{table.max_rss_mb.max():.0f} MB")


def print_speedup(wall, seeds, book_dir):
    """Time the book's scripts and compare the pipeline's wall time with them."""
    print("\nthe book's Chapter 6 scripts, one after another (default BLAS threads):")
    rows = measure_book(book_dir, DEFAULT_DATA_DIR)
    report_book(rows)
    one_pass, every_figure = book_totals(rows)
    target = {1: " (target: at least 4x)", 5: " (target: at least 1x, no slower)"}.get(seeds, "")
    print(f"speed-up of the {seeds}-seed pipeline ({wall:.1f} s): {one_pass / wall:.2f}x over one pass"
          f"{target}, {every_figure / wall:.2f}x over every figure")


def print_profiles(top=8):
    """cProfile of a shortened run of each kind of experiment (one BLAS thread, as a job):
    the functions that take the most time, by own time."""
    import cProfile
    import pstats

    from threadpoolctl import threadpool_limits

    from dlscratch.datasets import load_mnist
    from dlscratch.pipeline import keep_freed_memory
    from dlscratch.registry import EXPERIMENTS

    keep_freed_memory()
    data = load_mnist()
    book = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())

    def shortened(name, **changes):
        return lambda: EXPERIMENTS[name].function()({**book[name], **changes}, data, 0)

    runs = {
        "optimizer_mnist (the book's four, 200 of 2000 iterations)": shortened(
            "optimizer_mnist", iterations=200,
            optimizers={n: book["optimizer_mnist"]["optimizers"][n] for n in ["SGD", "Momentum", "AdaGrad", "Adam"]}),
        "batchnorm (4 of 16 scales)": shortened("batchnorm", weight_std_logspace={"start": 0, "stop": -3, "num": 4}),
        "dropout (with, 30 of 301 epochs)": shortened("dropout", epochs=30, variants=["with"]),
        "random_search (5 of 100 trials)": shortened("random_search", trials=5),
    }
    with threadpool_limits(limits=1):
        for name, run in runs.items():
            profile = cProfile.Profile()
            start = time.perf_counter()
            profile.runcall(run)
            print(f"\n--- {name}: {time.perf_counter() - start:.2f} s (under cProfile)")
            stats = pstats.Stats(profile)
            rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
            total = sum(v[2] for v in stats.stats.values())
            for (filename, line, func), (_, calls, own, cum, _) in rows:
                where = f"{Path(filename).name}:{line}({func})"
                print(f"  {own:7.2f} s own {100 * own / total:5.1f}%  {calls:8d} calls  {where}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each steps/s measurement")
    parser.add_argument("--seeds", type=int, default=1, help="seeds for the pipeline run")
    parser.add_argument("--quick", action="store_true", help="skip the pipeline run")
    parser.add_argument("--profile", action="store_true", help="only profile shortened experiments")
    parser.add_argument("--studies", action="store_true",
                        help="time the studies target instead of the chapter's pipeline")
    parser.add_argument("--explore", action="store_true",
                        help="time a changed hyperparameter, the switch back and compare, at book scale, 1 seed")
    parser.add_argument("--compare", action="store_true",
                        help="time the book's run alone and compare with the runs and the sweep, book scale, 1 seed")
    parser.add_argument("--book", metavar="DIR",
                        help="also time the book's scripts from this checkout of its code")
    args = parser.parse_args()
    if args.book:
        if args.quick or args.profile or args.studies:
            parser.error("--book compares with the chapter's pipeline run: leave out --quick, --profile and "
                         "--studies")
        check_book(args.book)  # before the long runs, not after them
    if args.profile:
        print_profiles()
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print_steps(args.seconds)
    print_loading()
    if args.studies:
        print_studies()
    elif args.explore:
        print_explore()
    elif args.compare:
        print_compare()
    elif not args.quick:
        wall = print_pipeline(args.seeds)
        if args.book:
            print_speedup(wall, args.seeds, args.book)


if __name__ == "__main__":
    main()
