import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def toy_digits(seed, n_train, n_test):
    """A small 4-class task on 20 inputs, ((x_train, t_train), (x_test, t_test)) as load_mnist
    gives: the class says which halves of a uniform image sum to more than 5."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_train + n_test, 20)).astype(np.float32)
    t = (x[:, :10].sum(axis=1) > 5).astype(np.int64) + 2 * (x[:, 10:].sum(axis=1) > 5)
    return (x[:n_train], t[:n_train]), (x[n_train:], t[n_train:])


@pytest.fixture(scope="session")
def small_pipeline(tmp_path_factory):
    """The whole pipeline run once on config/test.yaml (--cores 4) in a temporary copy."""
    import time

    from snakemake_runner import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("pipeline"))
    start = time.perf_counter()
    snakemake(workdir, cores=4)
    print(f"small pipeline: {time.perf_counter() - start:.1f} s")
    return workdir


TARGETS = ("tables", "claims")


@pytest.fixture(scope="session")
def small_pipeline_two_cores(tmp_path_factory):
    """The same pipeline's computing part (targets ``tables`` and ``claims``: every training
    job; the figures are drawn in one process each, whatever --cores) from scratch with
    --cores 2, killed with SIGKILL part way, then resumed (`--unlock`, `--rerun-incomplete`):
    the reference of the byte-identity checks
    (whatever --cores, whatever executor, interrupted or not). Returns its ``workdir`` and
    what was seen at the kill: ``killed.partial`` ({table: bytes} after the
    kill), ``killed.leftovers`` (files that are no result), ``killed.second`` (a second run
    started meanwhile)."""
    import os
    import signal
    import subprocess
    import time
    from types import SimpleNamespace

    from snakemake_runner import command, copy_project, snakemake, tables

    workdir = copy_project(tmp_path_factory.mktemp("pipeline_two_cores"))
    first = subprocess.Popen(command(*TARGETS, cores=2), cwd=workdir, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        end = time.time() + 120  # until some results exist, while the run is far from done
        while len(list((workdir / "results").rglob("*.csv"))) < 3 and time.time() < end:
            time.sleep(0.2)
        # a real run (even one told to redo incomplete jobs) must take the lock, and cannot
        second = snakemake(workdir, "--rerun-incomplete", check=False)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    known = {".csv", ".json", ".log", ".tsv", ".png", ".pdf", ".rst"}
    killed = SimpleNamespace(partial=tables(workdir), second=second, leftovers=[
        p for p in (workdir / "results").rglob("*") if p.is_file() and p.suffix not in known])
    snakemake(workdir, "--unlock")
    snakemake(workdir, "--rerun-incomplete", *TARGETS, cores=2)
    return SimpleNamespace(workdir=workdir, killed=killed)
