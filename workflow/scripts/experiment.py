from dlscratch.pipeline import job, run_experiment

with job(snakemake):
    run_experiment(snakemake)
