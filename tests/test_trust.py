"""The store deserves trust, on the small config: a source edited while a run goes is never
served as the committed code's result; a plain run heals what it would reuse (a deleted or
damaged entry, a damaged table or figure) and every remedy `verify` prints works as printed,
with --directory and --config too; an entry's record is the same whichever job made it;
prune is refused while a run goes, keeps what shipped settings refer to and counts what is on
disk; leftovers of an older layout are named and removed; two runs sharing one store at once
give a single run's bytes."""

import json
import os
import shutil
import subprocess
import time

import pytest
from snakemake_runner import command, copy_project, executed_rules, follow, remedies, run_config, snakemake, tables

pytestmark = pytest.mark.pipeline

CONFIG = ("config/test.yaml",)


def copy_with_results(project, tmp_path, name="copy"):
    work = tmp_path / name
    shutil.copytree(project, work, symlinks=True)
    return work


def verify(work, *args, **kwargs):
    return snakemake(work, "verify", *args, check=False, cores=1, **kwargs)


def store_entry(work, pattern):
    """The one store entry directory under results/store matching ``pattern``."""
    (found,) = sorted((work / "results" / "store").glob(pattern))
    return found


def entry_of_unit(work, experiment, unit, seed):
    for record in (work / "results" / "store" / experiment).glob(f"*/seed{seed}/provenance.json"):
        if json.loads(record.read_text())["unit"] == unit:
            return record.parent
    raise AssertionError(f"no entry of {experiment} {unit} seed {seed}")


def flip_a_byte(path, at=40):
    """One byte changed, size and modification time kept (what no timestamp shows)."""
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def wait_for(condition, timeout=120):
    end = time.time() + timeout
    while not condition():
        if time.time() > end:
            raise AssertionError("timed out")
        time.sleep(0.02)


# --------------------------------------------------------------------------- never stale


def test_a_source_edited_while_a_run_goes_is_never_served(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    (work / "config" / "adam.yaml").write_text("optimizer_mnist.optimizers.Adam.lr: 0.002\n")
    configs = ("config/test.yaml", "config/adam.yaml")
    before = set((work / "results" / "store" / "optimizer_mnist").glob("*/seed*"))
    logs = work / "results" / "logs" / "store" / "optimizer_mnist"
    known = set(logs.rglob("*.log"))
    source = work / "src" / "dlscratch" / "optimizers.py"
    committed = source.read_text()
    run = subprocess.Popen(command("fig6-09", cores=1, configfiles=configs), cwd=work, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:  # the DAG is built and keyed by the committed code; the first Adam job has started
        wait_for(lambda: set(logs.rglob("*.log")) - known)
        source.write_text(committed.replace("lr_t = self.lr * math.sqrt", "lr_t = 2 * self.lr * math.sqrt", 1))
        out, err = run.communicate(timeout=300)
    finally:
        source.write_text(committed)  # reverted, as the user did
    assert run.returncode != 0
    assert "rule optimizer_mnist: src/dlscratch/optimizers.py: changed " in err and "run `snakemake" in err
    assert "Traceback" not in out + err and "Cannot restore" not in out + err
    # nothing was stored under the committed code's key
    assert set((work / "results" / "store" / "optimizer_mnist").glob("*/seed*")) == before
    # the next run trains Adam with the code its key names, and everything it shows holds
    trained = executed_rules(snakemake(work, configfiles=configs))
    assert "optimizer_mnist" in trained
    assert verify(work, configfiles=configs).returncode == 0


# --------------------------------------------------------------------------- a plain run heals


@pytest.fixture(scope="module")
def healed(small_pipeline, tmp_path_factory):
    """A copy of the small run, damaged as a user might, then healed by one plain run."""
    work = copy_with_results(small_pipeline, tmp_path_factory.mktemp("heal"))
    results = work / "results"
    flipped = store_entry(work, "batchnorm/*/seed1") / "accuracy.csv"
    flip_a_byte(flipped)
    adam = entry_of_unit(work, "optimizer_mnist", "Adam", 1)
    shutil.rmtree(adam)  # as verify's old remedy said
    # the run without Dropout of seed 1, computed with λ = 0 by the shared job, now by Dropout's own rule
    without = entry_of_unit(work, "dropout", "without", 1)
    record = (without / "provenance.json").read_bytes()
    shutil.rmtree(without)
    table = results / "dropout" / "seed0" / "with.csv"
    table.write_bytes(table.read_bytes()[:-9])
    figure = results / "figures" / "fig6-15_init_mnist.png"
    figure.write_bytes(figure.read_bytes() + b"\0")
    damaged = {str(p.relative_to(work)) for p in (flipped.parent, adam, without, table, figure)}
    checked = verify(work)
    dry = snakemake(work, "-n")
    run = snakemake(work)
    return {"work": work, "damaged": damaged, "checked": checked, "dry": dry, "run": run, "record": record,
            "without": without}


def test_verify_names_each_damage_and_a_dry_run_says_what_the_plain_run_remakes(healed):
    checked, damaged = healed["checked"], healed["damaged"]
    assert checked.returncode == 1
    named = [line.split(": ")[0] for line in checked.stderr.splitlines() if line.startswith("results/")]
    assert {path if path in damaged else os.path.dirname(path) for path in named} == damaged
    assert remedies(checked.stderr) == ["snakemake --cores 1 --configfile config/test.yaml"]
    dry = healed["dry"].stdout + healed["dry"].stderr  # (a dry run prints on stdout)
    would = [line for line in dry.splitlines() if "would be remade by this run" in line]
    assert {line.split(": ")[0] for line in would} == damaged


def test_a_plain_run_remakes_exactly_what_was_damaged_and_says_why(healed, small_pipeline):
    work, run = healed["work"], healed["run"]
    lines = [line for line in run.stderr.splitlines() if "by this run" in line]
    assert {line.split(": ")[0] for line in lines} == healed["damaged"]
    assert any("accuracy.csv: changed since its job wrote it" in line for line in lines)
    assert any(line.startswith("results/store/optimizer_mnist/") and ": missing; computed again" in line
               for line in lines)
    trained = executed_rules(run) & {"batchnorm", "optimizer_mnist", "dropout", "overfit_baseline"}
    assert trained == {"batchnorm", "optimizer_mnist", "dropout"}  # the rest is left alone
    assert tables(work) == tables(small_pipeline)
    assert verify(work).returncode == 0


def test_an_entrys_record_is_the_same_whichever_job_computed_it(healed):
    job = json.loads((healed["without"] / "job.json").read_text())
    assert job["rule"] == "dropout"  # first made by overfit_baseline, with the λ = 0 run
    assert (healed["without"] / "provenance.json").read_bytes() == healed["record"]


def test_remedies_work_as_printed_with_directory_and_config(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path, "project")
    table = work / "results" / "batchnorm" / "seed0" / "accuracy.csv"
    table.write_bytes(b"")
    os.chmod(work / "results" / "figures" / "fig6-02_gradient.png", 0o444)  # write-protected, and changed
    flip_a_byte(work / "results" / "figures" / "fig6-02_gradient.png", at=200)
    options = ["-s", "project/Snakefile", "--directory", "project", "--config", "seeds=[0,1]", "--configfile",
               "project/config/test.yaml"]
    cmd = command("verify", cores=1, configfiles=())[:-1] + options  # from the directory above the project
    checked = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 1 and "results/batchnorm/seed0/accuracy.csv: empty" in checked.stderr
    printed = remedies(checked.stderr)
    assert printed == ["snakemake --cores 1 -s project/Snakefile --directory project --config 'seeds=[0,1]' "
                       "--configfile project/config/test.yaml"]
    follow(printed[0], tmp_path)
    after = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert after.returncode == 0, after.stderr[-2000:]
    assert table.read_bytes() == (small_pipeline / "results" / "batchnorm" / "seed0" / "accuracy.csv").read_bytes()


# --------------------------------------------------------------------------- prune and leftovers


def test_prune_is_refused_while_a_run_goes_and_keeps_what_settings_refer_to(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    store = work / "results" / "store"
    # a shipped settings file of one's own: the small config with Adam at 0.002
    shipped = work / "config" / "small_adam.yaml"
    shipped.write_text((work / "config" / "test.yaml").read_text() + "optimizer_mnist.optimizers.Adam.lr: 0.002\n")
    # a run that trains (the shipped file's two Adam jobs), and a prune meanwhile: refused
    logs = work / "results" / "logs" / "store"
    known = set(logs.rglob("*.log"))
    run = subprocess.Popen(command(cores=1, configfiles=("config/small_adam.yaml",)), cwd=work,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: set(logs.rglob("*.log")) - known)
        refused = snakemake(work, "prune", cores=1, check=False)
    finally:
        _, err = run.communicate(timeout=300)
    assert refused.returncode == 1 and "prune: a run of this workflow is using the store results/store" in \
        refused.stderr
    assert run.returncode == 0, err[-2000:]  # and the run was not disturbed
    adam = {str(p.parent.relative_to(store)) for p in store.glob("optimizer_mnist/*/seed*/provenance.json")
            if json.loads(p.read_text())["settings"]["optimizers"].get("Adam", {}).get("lr") == 0.002}
    assert len(adam) == 2
    # the shipped file refers to them: prune keeps them; listed once; counts as on disk
    pruned = snakemake(work, "prune", cores=1)
    assert all(name in {str(p.relative_to(store)) for p in store.glob("*/*/seed*")} for name in adam)
    shipped.unlink()  # now nothing refers to them
    listing = snakemake(work, "-n", "prune", cores=1).stderr
    assert sorted(line.split(" (")[0].removeprefix("prune: results/store/") for line in listing.splitlines()
                  if line.startswith("prune: results/store/")) == sorted(adam)
    pruned = snakemake(work, "prune", cores=1).stderr
    on_disk = len({p.parent for p in store.rglob("provenance.json")})
    assert "prune: deleted 2 store entries (" in pruned and f"keeps {on_disk} store entries (" in pruned
    assert sum(line.startswith("prune: results/store/optimizer_mnist/") for line in pruned.splitlines()) == 2
    assert not any((store / name).exists() for name in adam)
    snakemake(work)  # the book's settings again (the other run's tables were the last written)
    assert verify(work).returncode == 0


def test_leftovers_of_an_older_layout_are_named_once_and_removed_by_prune(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    results = work / "results"
    old = ["overfit_baseline/seed0/provenance.json", "random_search/seed0/shard0.csv", "batchnorm/seed7/accuracy.csv"]
    for name in old:
        (results / name).parent.mkdir(parents=True, exist_ok=True)
        (results / name).write_text("old\n")
    run = snakemake(work)
    assert [line for line in run.stderr.splitlines() if "no current run writes" in line] == [
        "results/ holds 3 file(s) or folder(s) that no current run writes (an earlier layout or earlier settings; "
        "the first: results/batchnorm/seed7/): `snakemake verify --cores 2 --configfile config/test.yaml` lists "
        "them, `snakemake prune --cores 2 --configfile config/test.yaml` removes them"]
    checked = verify(work)
    assert checked.returncode == 1
    assert sorted(line.split(": ")[0] for line in checked.stderr.splitlines() if "not written by this run" in line) \
        == ["results/batchnorm/seed7/", "results/overfit_baseline/", "results/random_search/seed0/shard0.csv"]
    (remedy,) = remedies(checked.stderr)
    assert remedy == "snakemake prune --cores 1 --configfile config/test.yaml"
    follow(remedy, work)
    assert not any((results / name).exists() for name in old)
    assert verify(work).returncode == 0 and tables(work) == tables(small_pipeline)


# --------------------------------------------------------------------------- a shared store


FIGURES = ("fig6-09", "fig6-20", "fig6-24")  # one job per seed, the shared 6.4 run, shards


def test_two_runs_sharing_one_store_at_once_give_a_single_runs_bytes(small_pipeline, tmp_path):
    shared = tmp_path / "shared store"
    works = [copy_project(tmp_path / name) for name in ("a", "b")]
    options = ["--config", f"store_dir={shared}", "seeds=[0]"]
    first = subprocess.Popen(command(*FIGURES, *options, cores=1), cwd=works[0], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:  # the second starts once the first has published an entry: it reuses that one
        wait_for(lambda: list(shared.rglob("provenance.json")))
        second = snakemake(works[1], *FIGURES, *options, cores=1)
    finally:
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-2000:]
    ran = [executed_rules(subprocess.CompletedProcess([], 0, out, err)), executed_rules(second)]
    training = {"optimizer_mnist", "overfit_baseline", "weight_decay", "random_search"}
    assert ran[0] & training == training and len(ran[1] & training) < len(training)
    # the shared store holds the entries a single run made, byte for byte; each run's tables are its tables
    reference = tables(small_pipeline)
    stored = {f"store/{p.relative_to(shared)}": p.read_bytes() for p in sorted(shared.rglob("*.csv"))}
    small = run_config("config/test.yaml")  # Fig 6-9's optimizers (loss, summary), the λs, Dropout's run without, shards
    expected = (len(small["optimizer_mnist"]["optimizers"]) * 2 + len(small["weight_decay"]["lambdas"]) + 1
                + small["random_search"]["shards"])
    assert len(stored) == expected and stored == {name: reference[name] for name in stored}
    figures = [{p.name: p.read_bytes() for p in (work / "results" / "figures").glob("*.p*")} for work in works]
    assert figures[0] and figures[0] == figures[1]  # drawn from the same entries
    assert not list(shared.rglob(".*.tmp"))  # no half-written entry left
