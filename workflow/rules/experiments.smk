# The experiments of dlscratch.registry.EXPERIMENTS, one rule each: a job per seed (or,
# for an experiment split into parts, per seed and part) runs the experiment's library
# function on its config block and writes the tables it returns. Adding an experiment to
# the registry adds its rule here.


for name, experiment in EXPERIMENTS.items():
    where = seed_dir(name, "{seed}")
    tables = experiment.tables(config[name])
    if experiment.parts is None:
        outputs = [f"{where}/{stem}.csv" for stems in tables.values() for stem in stems]
        provenance = provenance_path(name, "{seed}")
        job_benchmark = benchmark(name, "{seed}" if experiment.seeded else None)
    elif experiment.part_tables:  # a part writes several tables: <part>/<table>.csv
        outputs = [f"{where}/{{part}}/{table}.csv" for table in experiment.part_tables]
        provenance = provenance_path(name, "{seed}", "{part}")
        job_benchmark = benchmark(name, "{seed}", "{part}")
    else:
        part = experiment.part_path.format(part="{part}")
        outputs = [f"{where}/{part}.csv"]
        provenance = provenance_path(name, "{seed}", "{part}")
        job_benchmark = benchmark(name, "{seed}", "{part}")

    rule:
        name:
            name
        input:
            code=code(experiment.module, scripts=["experiment.py"]),
            mnist=MNIST if experiment.mnist else [],
        output:
            outputs,
            provenance=provenance,
        log:
            job_log(name, experiment.seeded, experiment.parts is not None),
        benchmark:
            job_benchmark
        wildcard_constraints:
            part=part_pattern(name) if experiment.parts else "no-part",
        priority: experiment.priority
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            mem_mb=experiment.mem_mb,
            runtime=experiment.runtime,
            cpus=1,
        params:
            run=experiment.qualified_run,
            settings=(
                training_settings(name)
                if experiment.parts is None
                else part_settings(name)
            ),
        script:
            "../scripts/experiment.py"

    if experiment.combine:

        rule:
            name:
                f"{name}_combine"
            input:
                parts=expand(
                    f"{where}/{experiment.part_path}.csv",
                    part=experiment.parts(config[name]),
                    allow_missing=True,
                ),
                provenance=expand(
                    provenance_path(name, "{seed}", "{part}"),
                    part=experiment.parts(config[name]),
                    allow_missing=True,
                ),
                code=code(experiment.combine_module, scripts=["experiment.py"]),
            output:
                [f"{where}/{stem}.csv" for stems in tables.values() for stem in stems],
                provenance=f"{where}/provenance.json",
            log:
                f"results/logs/{name}/seed{{seed}}_combine.log",
            localrule: True
            conda:
                "../envs/dlscratch.yaml"
            threads: 1
            resources:
                cpus=1,
            params:
                combine=experiment.qualified_combine,
                # its own seed's (a study may ask for seeds the chapter has not)
                schemas=lambda wildcards, name=name: schemas(
                    name, [int(wildcards.seed)]
                ),
            script:
                "../scripts/experiment.py"


# 6.4: the unregularized run serves Fig 6-20 (weight_decay, lambda 0) and Fig 6-23
# (dropout, without) alike; when the two config blocks agree on its settings it is one
# job, trained for the longer of the two epoch counts, and the weight_decay and dropout
# rules run only their other parts.
if BASELINE_EPOCHS is not None:

    rule overfit_baseline:
        input:
            code=code("dlscratch.experiments.regularization", scripts=["experiment.py"]),
            mnist=MNIST,
        output:
            f"results/weight_decay/seed{{seed}}/lambda{lambda_label(0)}.csv",
            "results/dropout/seed{seed}/without.csv",
            provenance=BASELINE_PROVENANCE,
        log:
            "results/logs/overfit_baseline/seed{seed}.log",
        benchmark:
            "results/benchmarks/overfit_baseline/seed{seed}.tsv"
        priority: 40
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            mem_mb=EXPERIMENTS["weight_decay"].mem_mb,
            runtime=EXPERIMENTS["weight_decay"].runtime,
            cpus=1,
        params:
            run="dlscratch.experiments.regularization:overfit_baseline",
            settings={
                "weight_decay": config["weight_decay"],
                "dropout": config["dropout"],
            },
        script:
            "../scripts/experiment.py"
