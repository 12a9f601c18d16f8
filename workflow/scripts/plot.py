from dlscratch.drawing import draw_figures
from dlscratch.pipeline import job

with job(snakemake):
    draw_figures(snakemake)
