"""The slurm profile, unchanged, on a real one-node SLURM cluster started on this machine
(workflow/profiles/slurm/cluster.sh): the small config runs through sbatch, the local rules
run locally, every table is byte-identical to a local run (one that shares the store with it
at the same time too), and a failing job fails the run without leaving its outputs. Needs root (cluster.sh installs Debian's slurm-wlm and munge)."""

import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from snakemake_runner import ROOT, copy_project, run_config, tables

pytestmark = pytest.mark.pipeline

CLUSTER = ROOT / "workflow" / "profiles" / "slurm" / "cluster.sh"
STATE = Path(os.environ.get("DLSCRATCH_SLURM_STATE", "/tmp/dlscratch-slurm"))
HARD_TIMEOUT = 600  # seconds: a run that hangs (a lost status query) fails the test instead of CI


@pytest.fixture(scope="module")
def cluster():
    """A running one-node cluster for this module; every daemon it started stopped afterwards."""
    if os.geteuid() != 0:
        pytest.fail("the SLURM tests start daemons and install packages: run them as root (CI does)")
    start = time.perf_counter()
    subprocess.run(["bash", str(CLUSTER), "start"], check=True, capture_output=True, text=True, timeout=300)
    print(f"cluster started in {time.perf_counter() - start:.1f} s")
    try:
        yield STATE
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop"], capture_output=True, text=True, timeout=120)


def through_slurm(work, *args, configfiles=("config/test.yaml",)):
    """The small config through the slurm profile as shipped; the only extra option is a
    shorter first status check, which suits a cluster that starts jobs at once."""
    cmd = ["timeout", "-k", "10", str(HARD_TIMEOUT), sys.executable, "-m", "snakemake", "--workflow-profile",
           "workflow/profiles/slurm", "--slurm-init-seconds-before-status-checks", "2", *args,
           "--configfile", *configfiles]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    print(f"through SLURM: {time.perf_counter() - start:.1f} s, exit {proc.returncode}")
    assert proc.returncode not in (124, 137), "snakemake hung and was killed by the timeout"
    return proc


def submitted(output):
    """{SLURM job id: rule} of every job the run submitted, from Snakemake's own report."""
    found = re.findall(r"submitted with SLURM jobid (\d+) \(log: \S*/rule_(\w+)/", output)
    return {int(job): rule for job, rule in found}


def job_records(state, run_id):
    """{SLURM job id: state} of the finished jobs of the run ``run_id`` (SLURM's job record)."""
    text = (state / "log" / "jobcomp.txt").read_text()
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(rf"JobId=(\d+) .*?Name={re.escape(run_id)} JobState=(\w+)", text)}


# Three book figures, with one seed, whose jobs cover every kind: one job per seed (Fig 6-9),
# the unregularized run shared by two experiments and one part (Fig 6-20), shards and their
# local combining step (Fig 6-24). (The whole small config takes 2.5 minutes through SLURM's
# status polling; each experiment's own rule, and each seed, is the same code path.)
TARGETS = ("fig6-09", "fig6-20", "fig6-24")
RULES = {"optimizer_mnist", "overfit_baseline", "weight_decay", "random_search"}


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory):
    """Two runs through the cluster at once (each mostly waits for SLURM's status polling):
    the three figures with one seed, and Fig 6-9 from a truncated MNIST file; and, at the same
    time, a local run of the three figures in another working directory that shares the first
    one's store (store_dir)."""
    shared = tmp_path_factory.mktemp("shared") / "store"
    work = copy_project(tmp_path_factory.mktemp("slurm"))
    local = copy_project(tmp_path_factory.mktemp("local"))
    for where in (work, local):  # each seed runs the same code path
        (where / "config" / "seed0.yaml").write_text(f"seeds: [0]\nstore_dir: {shared}\n")
    failing = copy_project(tmp_path_factory.mktemp("failing"))
    broken = failing / "broken_mnist"
    shutil.copytree(ROOT / "resources" / "mnist", broken, ignore=shutil.ignore_patterns("cache"))
    images = broken / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:100_000])  # a truncated download
    (failing / "config" / "broken.yaml").write_text("seeds: [0]\nmnist_dir: broken_mnist\n")
    with ThreadPoolExecutor(max_workers=3) as pool:
        made = pool.submit(through_slurm, work, *TARGETS, configfiles=("config/test.yaml", "config/seed0.yaml"))
        beside = pool.submit(subprocess.run, [sys.executable, "-m", "snakemake", "--cores", "1", *TARGETS,
                                              "--configfile", "config/test.yaml", "config/seed0.yaml"],
                             cwd=local, capture_output=True, text=True)
        failed = pool.submit(through_slurm, failing, "fig6-09",
                             configfiles=("config/test.yaml", "config/broken.yaml"))
        return SimpleNamespace(work=work, proc=made.result(), failing=failing, failed=failed.result(), shared=shared,
                               local=local, beside=beside.result())


def test_the_small_config_runs_through_slurm_byte_identical_to_a_local_run(cluster, runs,
                                                                            small_pipeline_two_cores):
    work, proc = runs.work, runs.proc
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    run_id = re.search(r"SLURM run ID: (\S+)", out).group(1)
    jobs = submitted(out)
    records = job_records(cluster, run_id)
    # every training job went through sbatch, and SLURM recorded it as completed
    assert set(records) == set(jobs) and set(records.values()) == {"COMPLETED"}
    assert set(jobs.values()) == RULES
    small = run_config("config/test.yaml")  # Fig 6-9's job, the shared run, the other λs, the search shards
    assert len(jobs) == 1 + 1 + len(small["weight_decay"]["lambdas"]) - 1 + small["random_search"]["shards"]
    logs = work / "results" / "logs"
    for rule, job in [(rule, job) for job, rule in jobs.items()][:3]:
        assert any(f"SLURM job {job}" in p.read_text().splitlines()[0] for p in logs.rglob("*.log")), rule
    # the plots ran here, not as SLURM jobs
    local = list(logs.glob("figures/*.log"))
    assert len(local) == 3
    for log in local:
        assert "SLURM job" not in log.read_text().splitlines()[0], log
    # the store's entries of seed 0: the six optimizers (loss and summary), lambda 0 and 0.1,
    # Dropout's run without (from the shared run) and two search shards, the bytes of the
    # two-seed local run's, whichever of the two runs that share the store published each
    beside = runs.beside
    assert beside.returncode == 0, beside.stderr[-3000:]
    made = {f"store/{p.relative_to(runs.shared)}": p.read_bytes() for p in sorted(runs.shared.rglob("*.csv"))}
    reference = tables(small_pipeline_two_cores.workdir)
    expected = (len(small["optimizer_mnist"]["optimizers"]) * 2 + len(small["weight_decay"]["lambdas"]) + 1
                + small["random_search"]["shards"])
    assert len(made) == expected and made == {name: reference[name] for name in made}
    assert not list(runs.shared.rglob(".*.tmp"))
    figures = [{p.name: p.read_bytes() for p in (w / "results" / "figures").glob("*.p*")} for w in (work, runs.local)]
    assert figures[0] and figures[0] == figures[1]


def test_a_failing_job_fails_the_run_and_leaves_no_output(runs):
    work, proc = runs.failing, runs.failed
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Error in rule optimizer_mnist" in out, out[-3000:]
    (log,) = (work / "results" / "logs" / "store" / "optimizer_mnist").glob("*/seed0.log")
    assert "Error: broken_mnist/train-images-idx3-ubyte.gz: " in log.read_text() and "Traceback" not in log.read_text()
    # its store entries are not there, and neither is anything half-written
    assert not list((work / "results" / "store").rglob("*.csv"))
    assert not list((work / "results").rglob("*.part"))
