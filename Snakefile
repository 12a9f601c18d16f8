# Chapter 6 of "Deep Learning from Scratch" (learning-related techniques):
# every experiment and figure, from `snakemake --cores 4`.


import os
import sys

import yaml
from snakemake.utils import min_version, validate

min_version("9.0")

# The workflow and its jobs use this checkout's library (src/), whatever is installed.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from dlscratch.config import resolve_config


configfile: os.path.join(workflow.basedir, "config", "config.yaml")


# The run's settings: config/config.yaml, then each --configfile, then --config, each
# replacing an experiment's variant table whole (config/README.md, dlscratch.config).
with open(os.path.join(workflow.basedir, "config", "config.yaml")) as f:
    BOOK_CONFIG = yaml.safe_load(f)
RUN_CONFIG = resolve_config(
    {} if workflow.config_settings.replace_workflow_config else BOOK_CONFIG,
    workflow.config_settings.configfiles,
    workflow.config_settings.config,
)
config.clear()
config.update(RUN_CONFIG)


validate(config, "workflow/schemas/config.schema.yaml")


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
        all_outputs(),
