# Chapter 6 of "Deep Learning from Scratch" (learning-related techniques):
# every experiment and figure, from `snakemake --cores 4`.


import os
import sys

from snakemake.utils import min_version, validate

min_version("9.0")

# The workflow and its jobs use this checkout's library (src/), whatever is installed.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))


configfile: "config/config.yaml"


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
