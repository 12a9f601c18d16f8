#!/usr/bin/env bash
# Stand-in for sbatch/qsub: run the job script given last in the background, print a job id,
# and record the submission in .snakemake/local-cluster-submissions.log.
set -euo pipefail
jobscript="${*: -1}"
mkdir -p .snakemake
echo "$jobscript" >> .snakemake/local-cluster-submissions.log
nohup bash "$jobscript" > /dev/null 2>&1 &
echo "$!"
