"""`snakemake --cores 1 verify` on the small config: results/ checked against what the run
wrote, one line per damaged file with the command that remakes it; damage that leaves the
timestamps alone (tables swapped with mv, a record overwritten) caught by verify and by the
next job that reads the file; and each expected fault of a run told in one message, with no
traceback, in the terminal and in the job's log."""

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from snakemake_runner import ROOT, copy_project, follow, planned_rules, remedies, snakemake

pytestmark = pytest.mark.pipeline


def copy_with_results(project, tmp_path, name="copy"):
    work = tmp_path / name
    shutil.copytree(project, work, symlinks=True)
    return work


def swap(a, b):
    """Swap two files with mv, as a user would: each keeps its timestamp."""
    tmp = a.with_suffix(".tmp")
    os.rename(a, tmp)
    os.rename(b, a)
    os.rename(tmp, b)


def verify(work):
    return snakemake(work, "verify", check=False, cores=1)


def test_verify_passes_on_a_finished_run_and_trains_nothing(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two independent calls, one core each
        plan = pool.submit(planned_rules, work, "verify")
        proc = verify(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"verify: all \d+ files of the \d+ jobs of this run hold what the run wrote", proc.stderr)
    assert plan.result() == {"verify"}


def entry(results, pattern):
    """The first store entry file that matches ``pattern``, relative to results/."""
    return str(sorted((results / "store").glob(pattern))[0].relative_to(results))


def damage(work):
    """Every kind of damage to a copy of the small run, timestamps kept where mv keeps them:
    {file: the words verify must use}."""
    results = work / "results"
    batchnorm = [entry(results, f"batchnorm/*/seed{s}/accuracy.csv") for s in (0, 1)]
    record = entry(results, "init_mnist/*/seed1/provenance.json")
    swap(results / "batchnorm/seed0/accuracy.csv", results / "batchnorm/seed1/accuracy.csv")  # the run's tables
    swap(results / batchnorm[0], results / batchnorm[1])  # and the store's entries they came from
    (results / record).write_text("{}")
    loss = results / "optimizer_mnist/seed0/loss.csv"
    loss.write_bytes(loss.read_bytes()[:-7])
    (results / "activations/seed1/stats.csv").write_bytes(b"")
    (results / "figures/fig6-02_gradient.png").unlink()
    caption = results / "figures/captions/fig6-15_init_mnist.rst"
    caption.write_text(caption.read_text() + "edited\n")
    return {
        "batchnorm/seed0/accuracy.csv": "swapped: it holds what the run wrote to results/batchnorm/seed1/accuracy.csv",
        "batchnorm/seed1/accuracy.csv": "swapped: it holds what the run wrote to results/batchnorm/seed0/accuracy.csv",
        batchnorm[0]: f"swapped: it holds what the run wrote to results/{batchnorm[1]}",
        batchnorm[1]: f"swapped: it holds what the run wrote to results/{batchnorm[0]}",
        record: "damaged provenance: it records no outputs",
        "optimizer_mnist/seed0/loss.csv": "cut: ",
        "activations/seed1/stats.csv": "empty (0 bytes; its job wrote ",
        "figures/fig6-02_gradient.png": "missing",
        "figures/captions/fig6-15_init_mnist.rst": "changed since its job wrote it",
    }


def test_verify_names_each_damaged_file_once_with_the_command_that_remakes_it(small_pipeline, tmp_path):
    damaged = copy_with_results(small_pipeline, tmp_path)
    expected = damage(damaged)
    proc = verify(damaged)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.startswith("results/")]
    assert len(lines) == len(expected), proc.stderr[-3000:]
    for (path, words), line in zip(sorted(expected.items()), sorted(lines)):
        assert line.startswith(f"results/{path}: {words}"), line
        assert "run `snakemake --cores 1 --configfile config/test.yaml`" in line, line  # the user's own options
    assert f"verify: {len(expected)} files of " in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and "Error in rule" not in proc.stdout + proc.stderr
    # the remedies work as printed: a plain run heals every damaged file, and all is well
    assert remedies(proc.stderr) == ["snakemake --cores 1 --configfile config/test.yaml"]
    healed = follow(remedies(proc.stderr)[0], damaged)
    assert sum("computed again by this run" in line or "remade by this run" in line
               for line in healed.stderr.splitlines()) == len(expected)
    assert verify(damaged).returncode == 0


def test_a_swapped_table_is_refused_by_the_next_job_that_reads_it(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    results = work / "results"
    first, second = (entry(results, f"batchnorm/*/seed{s}/accuracy.csv") for s in (0, 1))
    swap(results / first, results / second)
    # Snakemake sees nothing (the timestamps moved with the files); a plain run heals it (its dry run says so),
    # and a target that does not heal (a file) leaves it to the job that reads it, which refuses it
    assert planned_rules(work) == set()
    dry = snakemake(work, "-n")  # (a dry run prints on stdout)
    assert f"results/{os.path.dirname(first)}: accuracy.csv: swapped" in dry.stdout + dry.stderr
    proc = snakemake(work, "results/claims.csv", "--forcerun", "claims", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    message = (f"rule claims: results/{first}: swapped: it holds what the run wrote to results/{second}; run "
               "`snakemake --cores 2 --configfile config/test.yaml`, which computes its entry again")
    assert out.count(message) == 1 and "Traceback" not in out
    log = (results / "logs" / "claims.log").read_text()
    assert f"Error: results/{first}: swapped" in log and "Traceback" not in log
    # the page linked the claims the failed job removed: no page is left that links what is not there
    assert not (results / "index.html").exists() and "results/index.html removed" in out


def test_verify_before_any_run_says_to_run_the_workflow_first(tmp_path):
    work = copy_project(tmp_path)
    proc = verify(work)
    assert proc.returncode == 1
    assert "verify: results/ holds no run of these settings yet: run the workflow first" in proc.stderr


# --------------------------------------------------------------------------- one message per fault


def test_a_config_error_is_one_line_naming_the_key(tmp_path):
    work = copy_project(tmp_path)
    proc = snakemake(work, "-n", "--config", "batchnorm={lr: -1}", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "config key 'batchnorm.lr': -1 is less than or equal to the minimum of 0 (checked against the schema of "
        "its block, declared in src/dlscratch/chapter/batchnorm.py)")
    assert "Traceback" not in proc.stderr and 'File "' not in proc.stderr and "Failed validating" not in proc.stderr


def test_a_label_no_output_can_show_as_text_is_refused_before_any_job(tmp_path):
    # (every kind of refused text: tests/test_text.py)
    work = copy_project(tmp_path)
    (work / "config" / "hostile.yaml").write_text('init_mnist:\n  inits:\n    "</script><script>alert(1)</script>": he\n')
    proc = snakemake(work, check=False, configfiles=("config/test.yaml", "config/hostile.yaml"))
    assert proc.returncode == 1 and proc.stderr.strip().splitlines()[-1] == (
        "config key 'init_mnist.inits': label '</script><script>alert(1)</script>' contains '<', which cannot be "
        "shown safely everywhere a setting lands (Snakemake's report embeds settings raw in a script block); use "
        "letters, digits, spaces and punctuation other than < and > (no line breaks, tabs or invisible formatting "
        "characters)")
    assert not (work / "results").exists()


def test_an_unwritable_figure_directory_is_one_message_with_its_remedy(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    figures = work / "results" / "figures"
    for path in [*figures.glob("fig6-01_*"), *figures.glob("fig6-02_*")]:
        path.unlink()  # the plot job writes them anew, into a directory it cannot write to
    if subprocess.run(["chattr", "+i", str(figures)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here (as root, only an immutable directory refuses writes)")
    try:
        proc = snakemake(work, "plot_function_surface", check=False)
    finally:
        subprocess.run(["chattr", "-i", str(figures)])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "rule plot_function_surface: results/figures/fig6-01_function_surface.png: cannot be written " \
           "(Operation not permitted); fix the permissions of results/figures (`chmod u+w results/figures`" in out
    assert "Traceback" not in out and "PermissionError" not in out


def test_an_unknown_target_gets_the_list_of_targets_which_the_readme_gives(tmp_path):
    proc = snakemake(copy_project(tmp_path), "-n", "fig6-9", check=False)
    assert proc.returncode == 1
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("unknown target 'fig6-9'. Did you mean fig6-09? The figure targets are fig6-01, ")
    # the README lists exactly the targets that exist
    listed = re.search(r"The figure targets: (.*?)\.\n", (ROOT / "README.md").read_text(), re.S).group(1)
    targets = re.findall(r"`(fig6-\d\d)`", listed)
    assert f"The figure targets are {', '.join(targets)};" in message


def test_a_report_before_any_run_says_to_run_the_workflow_first(tmp_path):
    work = copy_project(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--report", str(tmp_path / "report.html")],
                          cwd=work, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("--report: ")
    assert "do not exist yet" in proc.stderr and "run the workflow first (`snakemake --cores 4`" in proc.stderr
    assert "Missing metadata" not in proc.stdout + proc.stderr
