# The training jobs: each computes store entries (dlscratch.store) that some run needs and
# the store lacks, as dlscratch.plan assigns them. An entry's path holds the key of what made
# it (its unit's settings, its job's code and the platform), so an entry that exists is never
# asked for again: Snakemake sees nothing to compute for settings it has seen before.
#
# - a batch: the missing variants of one variant table for a seed, one job (rule named after
#   the experiment, and after its run for a named run's: optimizer_mnist__<run>);
# - the baseline: the unregularized 6.4 run once for its two entries (overfit_baseline);
# - a keyed rule per experiment: every other entry is its own job (the {entry} wildcard,
#   "<key>/seed<N>", matches only the missing ones).

import re

from dlscratch.chapter.regularization import overfit_baseline
from dlscratch.declare import qualified
from dlscratch.registry import EXPERIMENTS

for batch in P.batches:
    experiment = EXPERIMENTS[batch.experiment]
    where = "/".join(
        ["store", batch.experiment, batch.id]
        + (["seed{seed}"] if experiment.seeded else [])
    )

    rule:
        name:
            batch.rule
        input:
            mnist=P.mnist if experiment.mnist else [],
        output:
            P.entry_outputs(batch.entries),
        log:
            f"results/logs/{where}.log",
        benchmark:
            f"results/benchmarks/{where}.tsv"
        wildcard_constraints:
            **(
                {"seed": "|".join(str(s) for s in batch.seeds)}
                if experiment.seeded
                else {}
            ),
        priority: experiment.priority
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            **P.training_resources(batch.experiment),
        params:
            run=experiment.qualified_run,
            calls=[
                {"settings": e.settings, "entries": [P.entry_out(e)]}
                for e in batch.entries
            ],
            code=P.job_hashes[batch.experiment],
            platform=P.platform,
            benchmark=f"results/benchmarks/{where}.tsv",
        script:
            "../scripts/experiment.py"


for baseline in P.baselines:
    where = f"store/overfit_baseline/{baseline.decay.key}-{baseline.without.key}/seed{{seed}}"

    rule:
        name:
            baseline.rule
        input:
            mnist=P.mnist,
        output:
            P.entry_outputs([baseline.decay, baseline.without]),
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
            **P.training_resources("weight_decay"),
        params:
            run=qualified(overfit_baseline),
            calls=[
                {
                    "settings": baseline.settings,
                    "entries": [
                        P.entry_out(baseline.decay),
                        P.entry_out(baseline.without),
                    ],
                }
            ],
            code=P.job_hashes["weight_decay"],
            platform=P.platform,
            benchmark=f"results/benchmarks/{where}.tsv",
        script:
            "../scripts/experiment.py"


KEYED_CALLS = P.keyed_calls()  # {experiment: {entry wildcard: the call}}

for name in P.keyed:
    experiment = EXPERIMENTS[name]

    rule:
        name:
            name
        input:
            mnist=P.mnist if experiment.mnist else [],
        output:
            [
                P.update(f"{P.store}/{name}/{{entry}}/{t}.csv")
                for t in experiment.entry_tables
            ],
            P.update(f"{P.store}/{name}/{{entry}}/provenance.json"),
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
            **P.training_resources(name),
        params:
            run=experiment.qualified_run,
            calls=lambda wildcards, name=name: [KEYED_CALLS[name][wildcards.entry]],
            code=P.job_hashes[name],
            platform=P.platform,
            benchmark=f"results/benchmarks/store/{name}/{{entry}}.tsv",
        script:
            "../scripts/experiment.py"
