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
from dlscratch.workflow import Pipeline


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


# "cpus" (one per job) limits jobs run on this machine only
resource_scopes:
    cpus="local",


# Everything the rules ask (dlscratch.workflow): the runs (the book's and the named ones of
# config/runs.yaml), their code and store, the check that heals what they would reuse, and
# which job computes each store entry they lack.
P = Pipeline(
    workflow, config, BOOK_CONFIG, SCHEMA, logger, report=report, update=update
)


include: "workflow/rules/common.smk"
include: "workflow/rules/experiments.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/evidence.smk"
include: "workflow/rules/targets.smk"


rule all:
    default_target: True
    input:
        lambda wildcards: P.ready_for_report(P.run_outputs(P.book_run)),


# Files under results/ that no current run writes (an older layout, a removed seed's tables):
# one line, in a run that executes (`snakemake --cores 1 verify` lists them, prune removes them).
P.announce_leftovers()


# After a failed job: no page may link a figure the failure removed.
onerror:
    P.drop_stale_index()
