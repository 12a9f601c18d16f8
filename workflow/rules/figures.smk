# Figures, drawn only from the tables (a style change reruns no training): one job per
# experiment draws every figure dlscratch.registry declares for it, book-style (first
# seed) and, with several seeds, the several-seed companions. Each figure is a PNG (in
# the report), a PDF, and its caption as drawn (results/figures/captions/).


for name in DRAWN:

    rule:
        name:
            f"plot_{name}"
        input:
            **figure_tables(name),
            provenance=records_of(
                [f for files in figure_tables(name).values() for f in files],
                figure_schemas(name),
            ),
            code=code(scripts=["plot.py"]),
        output:
            figure_outputs(name),
            provenance=f"results/figures/provenance/{name}.json",
        log:
            f"results/logs/figures/{name}.log",
        localrule: True
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            cpus=1,
        params:
            figures=[drawn.as_params() for drawn in DRAWN[name]],
            settings=config[name],
            seeds=seeds_of(name),
            schemas=figure_schemas(name),
        script:
            "../scripts/plot.py"
