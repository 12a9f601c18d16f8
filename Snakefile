# Chapter 6 of "Deep Learning from Scratch" (learning-related techniques):
# every experiment and figure, from `snakemake --cores 4`.


import os
import sys

import yaml
from snakemake.utils import min_version

min_version("9.0")

FAST_YAML = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)  # libyaml, where PyYAML has it

# The workflow and its jobs use this checkout's library (src/), whatever is installed.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from dlscratch.config import (
    ConfigError,
    check_config,
    config_schema,
    refuse,
    resolve_config,
    schema_validator,
)
from dlscratch.invocation import (
    ENV as INVOCATION_ENV,
    from_stack,
    to_env as invocation_env,
)
from dlscratch.runs import RUNS_FILE, read_runs, run_config, selected
from snakemake_interface_executor_plugins.settings import ExecMode


configfile: os.path.join(workflow.basedir, "config", "config.yaml")


# The run's settings: config/config.yaml, then each --configfile, then --config, each
# replacing an experiment's variant table whole (config/README.md, dlscratch.config).
with open(os.path.join(workflow.basedir, "config", "config.yaml")) as f:
    BOOK_CONFIG = yaml.load(f, Loader=FAST_YAML)
RUN_CONFIG = resolve_config(
    {} if workflow.config_settings.replace_workflow_config else BOOK_CONFIG,
    workflow.config_settings.configfiles,
    workflow.config_settings.config,
)
config.clear()
config.update(RUN_CONFIG)


# Types, ranges and names (the schema: the workflow's settings in its file, each block's as its
# section declares it: dlscratch.config.config_schema), then the relations between values and
# the text of every label (dlscratch.config): a bad value stops the run here, with one line that
# names its key. (The schema read once, by libyaml: Snakemake reads a schema file at every check.)
with open(
    os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml")
) as f:
    SCHEMA = config_schema(yaml.load(f, Loader=FAST_YAML))
try:
    schema_validator(SCHEMA)(config)
    check_config(config)
except ConfigError as error:
    refuse(str(error))


# The named runs of config/runs.yaml (dlscratch.runs): each the settings above with its own on
# top, checked the same way; `snakemake compare` builds them beside this one (--config
# 'runs=[a,b]': only those). A fault names the run and the key, before any job runs.
# Only `snakemake compare` (and verify and prune, which cover the runs) needs them: a fault
# stops those, and is a warning otherwise (RUN_ERRORS), so that a broken runs file or a run
# that does not fit your --configfile never stops the book's run.
RUN_SPECS, RUN_CONFIGS, RUN_ERRORS, SELECTED = {}, {}, {}, []
try:
    RUN_SPECS = read_runs(os.path.join(workflow.basedir, RUNS_FILE))
except ConfigError as error:
    RUN_ERRORS[RUNS_FILE] = str(error)
for name, spec in RUN_SPECS.items():
    try:
        RUN_CONFIGS[name] = run_config(
            name, config, spec["settings"], schema_validator(SCHEMA)
        )
    except ConfigError as error:
        RUN_ERRORS[name] = str(error)
try:
    SELECTED = selected(RUN_SPECS, config.get("runs"))
except ConfigError as error:
    RUN_ERRORS["runs"] = str(error)


# How the user runs this workflow (read from Snakemake's command line: dlscratch.invocation):
# its targets, whether it executes, and the options every remedy quotes as typed. The jobs
# inherit it (a cluster job, which reads this file again, keeps the one it inherited).
INVOCATION = from_stack(
    workflow.config_settings.configfiles, workflow.config_settings.config
)
if workflow.exec_mode == ExecMode.DEFAULT or INVOCATION_ENV not in os.environ:
    os.environ.update({INVOCATION_ENV: invocation_env(INVOCATION)})
RERUN = INVOCATION.command()


# "cpus" (one per job, see workflow/rules/common.smk) limits jobs run on this machine only
resource_scopes:
    cpus="local",


include: "workflow/rules/common.smk"
include: "workflow/rules/experiments.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/evidence.smk"


rule all:
    default_target: True
    input:
        lambda wildcards: ready_for_report(run_outputs(BOOK_RUN)),


# Files under results/ that no current run writes (an older layout, a removed seed's tables):
# one line, in a run that executes (`snakemake --cores 1 verify` lists them, prune removes them).
announce_leftovers()


# After a failed job: no page may link a figure the failure removed.
onerror:
    drop_stale_index()
