# Shared definitions of the rules. The program behind them is dlscratch.workflow (the
# Snakefile's P): the runs, what each draws and reads, the code of each job, the store's
# entries and which job computes each. No figure or experiment is named here.
#
# Where each rule comes from (generated rules are named from the registry, dlscratch.registry):
#   experiments.smk  <experiment> (and <experiment>_2, ...; <experiment>__<run> for a named
#                    run's): a training job per seed and variant table; <experiment> with the
#                    {entry} wildcard: every other store entry; overfit_baseline: the shared 6.4 run
#   figures.smk      plot_<experiment> (plot_<experiment>__<run>): one per run and experiment
#   evidence.smk     tables, study_tables, claims, index (each __<run> for a named run's);
#                    compare_page
#   targets.smk      studies, compare, fig6-NN (one per book figure), verify, prune,
#                    unknown_target (any other name); all is in the Snakefile


wildcard_constraints:
    seed=r"\d+",
