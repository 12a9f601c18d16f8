# The training jobs: each computes store entries (dlscratch.store) that some run needs and
# the store lacks, as dlscratch.plan assigns them. An entry's path holds the key of what
# made it (its unit's settings and its job's code), so an entry that exists is never asked
# for again: Snakemake sees nothing to compute for settings it has seen before.
#
# - a batch: the missing variants of one variant table for a seed, one job (rule named
#   after the experiment, and after its run for a named run's: optimizer_mnist__<run>);
# - the baseline: the unregularized 6.4 run once for its two entries (overfit_baseline);
# - a keyed rule per experiment: every other entry is its own job (the {entry} wildcard,
#   "<key>/seed<N>", matches only the missing ones).


for batch in BATCHES:
    experiment = EXPERIMENTS[batch.experiment]
    seeded = experiment.seeded
    where = "/".join(
        ["store", batch.experiment, batch.id] + (["seed{seed}"] if seeded else [])
    )

    rule:
        name:
            batch.rule
        input:
            mnist=MNIST if experiment.mnist else [],
        output:
            entry_outputs(batch.entries),
        log:
            f"results/logs/{where}.log",
        benchmark:
            f"results/benchmarks/{where}.tsv"
        wildcard_constraints:
            **({"seed": "|".join(str(s) for s in batch.seeds)} if seeded else {}),
        priority: experiment.priority
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            **training_resources(batch.experiment),
        params:
            run=experiment.qualified_run,
            calls=[
                {"settings": e.settings, "entries": [entry_out(e)]}
                for e in batch.entries
            ],
            code=JOB_HASHES[batch.experiment],
            platform=PLATFORM,
            benchmark=f"results/benchmarks/{where}.tsv",
        script:
            "../scripts/experiment.py"


for baseline in BASELINES:
    where = f"store/overfit_baseline/{baseline.decay.key}-{baseline.without.key}/seed{{seed}}"

    rule:
        name:
            baseline.rule
        input:
            mnist=MNIST,
        output:
            entry_outputs([baseline.decay, baseline.without]),
        log:
            f"results/logs/{where}.log",
        benchmark:
            f"results/benchmarks/{where}.tsv"
        wildcard_constraints:
            seed="|".join(str(s) for s in baseline.seeds),
        priority: 40
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            **training_resources("weight_decay"),
        params:
            run=qualified(overfit_baseline),
            calls=[
                {
                    "settings": baseline.settings,
                    "entries": [
                        entry_out(baseline.decay),
                        entry_out(baseline.without),
                    ],
                }
            ],
            code=JOB_HASHES["weight_decay"],
            platform=PLATFORM,
            benchmark=f"results/benchmarks/{where}.tsv",
        script:
            "../scripts/experiment.py"


# the keyed rules' jobs: {experiment: {entry wildcard: the call}}
KEYED_CALLS = {
    name: {
        entry_wildcard(e): {
            "settings": e.settings,
            "entries": [entry_out(e)],
            "seed": e.seed,
        }
        for e in entries
    }
    for name, entries in KEYED.items()
}

for name, entries in KEYED.items():
    experiment = EXPERIMENTS[name]

    rule:
        name:
            name
        input:
            mnist=MNIST if experiment.mnist else [],
        output:
            [
                update(f"{STORE}/{name}/{{entry}}/{t}.csv")
                for t in experiment.entry_tables
            ],
            update(f"{STORE}/{name}/{{entry}}/provenance.json"),
        log:
            f"results/logs/store/{name}/{{entry}}.log",
        benchmark:
            f"results/benchmarks/store/{name}/{{entry}}.tsv"
        wildcard_constraints:
            entry="|".join(re.escape(w) for w in KEYED_CALLS[name]),
        priority: experiment.priority
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            **training_resources(name),
        params:
            run=experiment.qualified_run,
            calls=lambda wildcards, name=name: [KEYED_CALLS[name][wildcards.entry]],
            code=JOB_HASHES[name],
            platform=PLATFORM,
            benchmark=f"results/benchmarks/store/{name}/{{entry}}.tsv",
        script:
            "../scripts/experiment.py"
