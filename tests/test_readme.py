"""Every command of the README is run: its Snakemake commands on the small config (each
planned with ``-n`` on the tests' finished small run, so that its targets, options and
settings are checked as typed), the others by CI (``.ci/run``) or by the test named here."""

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from snakemake_runner import ROOT

README = (ROOT / "README.md").read_text()


def commands():
    """The shell commands of the README: every line of its bash blocks (without comments),
    split at ``&&``, and every inline command in backticks that starts with a program."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            found += [part.strip() for part in line.split("&&") if part.strip()]
    found += re.findall(r"`((?:snakemake|python|pip|bash) [^`]+)`", README)
    return list(dict.fromkeys(found))


# The README's commands that are not Snakemake's, and what runs each.
NOT_SNAKEMAKE = {
    "python3 -m venv .venv": "ci",
    ". .venv/bin/activate": "ci",
    'pip install -e ".[pipeline]"': "extras",
    'pip install -e ".[pipeline,slurm]"': "extras",
    'pip install -e ".[test]"': "extras",
    "bash .ci/run": "ci",
    "python -m pytest": "ci",
}
SNAKEMAKE = [c for c in commands() if c.startswith("snakemake ")]


def test_every_command_is_known():
    others = [c for c in commands() if not c.startswith("snakemake ")]
    assert set(others) <= set(NOT_SNAKEMAKE), f"a README command no test runs: {set(others) - set(NOT_SNAKEMAKE)}"
    assert len(SNAKEMAKE) >= 8  # the quickstart's, the report, verify, prune, compare, a figure, the cluster's


def test_ci_runs_the_install_and_the_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    for command in ("python3 -m venv .venv", ". .venv/bin/activate", 'pip install --quiet -e ".[test]"',
                    "python -m pytest"):
        assert command in ci
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for command in NOT_SNAKEMAKE:
        for group in re.findall(r'"\.\[([a-z,]+)\]"', command):
            assert set(group.split(",")) <= set(extras), command


def planned(command):
    """The README's ``command`` as the tests run it: on the small config (before any config
    file of its own), planned only (-n), from the directory of the small run."""
    args = shlex.split(command)[1:]
    if "--configfile" in args:
        i = args.index("--configfile")
        args[i + 1:i + 1] = ["config/test.yaml"]
    else:
        args += ["--configfile", "config/test.yaml"]
    if "--workflow-profile" in args:  # plan with the profile's settings, on this machine
        args += ["--executor", "local"]
    return [sys.executable, "-m", "snakemake", *args, "-n"]


@pytest.fixture(scope="module")
def finished(small_pipeline, tmp_path_factory):
    """A copy of the tests' small run (a command's log, such as verify's, stays out of theirs)."""
    work = tmp_path_factory.mktemp("readme") / "work"
    shutil.copytree(small_pipeline, work, symlinks=True)
    return work


@pytest.mark.pipeline
@pytest.mark.parametrize("command", SNAKEMAKE)
def test_readme_snakemake_commands_run_on_the_small_config(finished, command):
    proc = subprocess.run(planned(command), cwd=finished, capture_output=True, text=True)
    assert proc.returncode == 0, f"{command}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    out = proc.stdout + proc.stderr
    if " verify" in command:
        assert re.search(r"verify: all \d+ files of the \d+ jobs of this run hold what the run", out), out[-1000:]
    if "--report" not in command and " verify" not in command:
        assert "Building DAG of jobs" in out


def test_the_slurm_command_is_the_one_the_cluster_test_runs():
    slurm = (ROOT / "tests" / "test_slurm.py").read_text()
    for command in SNAKEMAKE:
        if "--workflow-profile" in command:
            assert "workflow/profiles/slurm" in slurm and Path(ROOT, "workflow/profiles/slurm/config.yaml").is_file()
