# Figures, drawn only from the tables (a style change reruns no training): for each run,
# one job per experiment draws every figure dlscratch.registry declares for it, book-style
# (first seed) and, with several seeds, the several-seed companions, from the store entries
# the run reads. Each figure is a PNG (in the report), a PDF, and its caption as drawn
# (<run directory>/figures/captions/). A named run's experiment drawn exactly as the book's
# run draws it is copied from the book's figures (the same bytes, without drawing them twice).


for run in P.runs:
    for name in P.drawn[run.name]:
        if P.drawn_as_book(run, name):

            rule:
                name:
                    run.rule(f"plot_{name}")
                input:
                    figures=P.figure_files(P.book_run, name)
                    + P.caption_files(P.book_run, name),
                output:
                    P.figure_outputs(run, name),
                    provenance=P.plot_provenance(run, name),
                log:
                    run.path("logs", "figures", f"{name}.log"),
                localrule: True
                conda:
                    "../envs/dlscratch.yaml"
                threads: 1
                resources:
                    cpus=1,
                params:
                    code=P.rule_code(scripts=["copy_figures.py"]),
                script:
                    "../scripts/copy_figures.py"

        else:
            specs = P.figure_specs(run, name)

            rule:
                name:
                    run.rule(f"plot_{name}")
                input:
                    tables=P.spec_files(specs),
                output:
                    P.figure_outputs(run, name),
                    provenance=P.plot_provenance(run, name),
                log:
                    run.path("logs", "figures", f"{name}.log"),
                localrule: True
                conda:
                    "../envs/dlscratch.yaml"
                threads: 1
                resources:
                    cpus=1,
                params:
                    code=P.rule_code(
                        entries=[qualified(d.draw) for d in P.drawn[run.name][name]]
                        + P.combine_entries(s["source"] for s in specs),
                        scripts=["plot.py"],
                    ),
                    figures=[d.as_params() for d in P.drawn[run.name][name]],
                    settings=run.config[name],
                    seeds=run.seeds(name),
                    tables=specs,
                script:
                    "../scripts/plot.py"
