# Chapter 6 of "Deep Learning from Scratch" (learning-related techniques):
# every experiment and figure, from `snakemake --cores 4`.


from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/optimizers.smk"
include: "workflow/rules/initialization.smk"
include: "workflow/rules/batchnorm.smk"
include: "workflow/rules/regularization.smk"
include: "workflow/rules/hyperparameters.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/evidence.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
