"""Helpers for tests that run the real pipeline in a temporary copy of the project."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest):
    """Snakefile, workflow/, config/ and src/ copied to ``dest``; resources/mnist linked."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ["Snakefile", "workflow", "config", "src"]:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, dest / name)
    (dest / "resources").mkdir()
    (dest / "resources" / "mnist").symlink_to(ROOT / "resources" / "mnist")
    return dest


def command(*args, cores=2, configfiles=("config/test.yaml",)):
    """python -m snakemake with ``args`` (targets among them) before the --configfile list,
    which takes every name after it."""
    return [sys.executable, "-m", "snakemake", "--cores", str(cores), *args, "--configfile", *configfiles]


def snakemake(workdir, *args, check=True, cores=2, configfiles=("config/test.yaml",)):
    cmd = command(*args, cores=cores, configfiles=configfiles)
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def remedies(text):
    """The commands the lines of ``text`` tell the user to run, in order, each once."""
    return list(dict.fromkeys(re.findall(r"`((?:snakemake|rm|chmod) [^`]+)`", text)))


def follow(command, cwd):
    """Run a remedy exactly as printed, from ``cwd`` (``snakemake`` is this Python's)."""
    import shlex

    words = shlex.split(command)
    if words[0] == "snakemake":
        words = [sys.executable, "-m", "snakemake", *words[1:]]
    proc = subprocess.run(words, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"the remedy `{command}` failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def planned_rules(workdir, *args, **kwargs):
    """Rule names a dry-run would execute (from its job-stats table)."""
    return executed_rules(snakemake(workdir, "-n", *args, **kwargs))


def executed_rules(proc):
    """Rule names a finished Snakemake call planned (a dry run) or ran (from its job-stats
    table, which a real run prints on stderr)."""
    out = proc.stdout + proc.stderr
    if "Nothing to be done" in out:
        return set()
    table = out.split("Job stats:")[1].split("total")[0]
    return {m.group(1) for m in re.finditer(r"^(\S+)\s+\d+\s*$", table, re.M)} - {"job", "all"}


def run_config(*configfiles, workdir=ROOT):
    """The config a run with ``--configfile configfiles`` uses: config/config.yaml, then each
    file merged over it as Snakemake merges them, checked against the schema."""
    import yaml
    from snakemake.utils import update_config

    config = yaml.safe_load((Path(workdir) / "config" / "config.yaml").read_text())
    for name in configfiles:
        update_config(config, yaml.safe_load((Path(workdir) / name).read_text()))
    schema_check(workdir)(config)
    return config


def schema_check(workdir=ROOT):
    """The config schema's check, as the Snakefile makes it (dlscratch.config.config_schema)."""
    import yaml

    from dlscratch.config import config_schema, schema_validator

    base = yaml.safe_load((Path(workdir) / "workflow" / "schemas" / "config.schema.yaml").read_text())
    return schema_validator(config_schema(base))


def caption(workdir, stem, results="results"):
    """The caption a figure was drawn with, as text (its .rst file is escaped for the report)."""
    from dlscratch.text import caption_text

    return caption_text((Path(workdir) / results / "figures" / "captions" / f"{stem}.rst").read_text())


def tables(workdir):
    """{relative path: bytes} of every CSV table under results/ (the store's entries and the
    runs' assembled tables; not what a stopped job left in a hidden temporary directory)."""
    results = Path(workdir) / "results"
    return {str(p.relative_to(results)): p.read_bytes() for p in sorted(results.rglob("*.csv"))
            if not any(part.startswith(".") for part in p.relative_to(results).parts)}


def provenance_records(results):
    """Every provenance record under ``results`` (not an entry's job.json, which says which job
    made it and where, nor the store's registrations of the directories that read it)."""
    return sorted(p for p in Path(results).rglob("*.json") if p.name != "job.json" and ".refs" not in p.parts)

