"""What the comparison of runs reads and writes (``Pipeline``'s methods): its page, the
overlays of the figures a named run draws otherwise than the book's run, and the response
figures of each sweep. Every file is known before any job runs, so verify, healing and
prune see them as they see a run's."""

from ..registry import CLAIMS, EXPERIMENTS, FIGURES
from ..runs import BOOK, setting
from ..sweeps import claim_file

COMPARE = "results/compare"


class Comparison:
    """The comparison's jobs (a mixin of ``Pipeline``)."""

    # ------------------------------------------------------------------ overlays

    def overlaid(self, runs=None):
        """The experiments of the chapter that some compared run (of ``runs``, by default this
        call's) draws otherwise than the book's run (its settings, seeds or figures differ):
        each gets an overlay job."""
        named = self.named_runs if runs is None else [run for run in runs if run.name != BOOK]
        return [name for name in EXPERIMENTS if not EXPERIMENTS[name].study and any(
            name in self.drawn[run.name] and not self.drawn_as_book(run, name) for run in named)]

    def overlay_stems(self, name, runs=None):
        """The figures of experiment ``name`` that any compared run draws (no several-seed
        companions: an overlay draws every seed's mean and band itself)."""
        return list(dict.fromkeys(d.stem for run in (self.runs if runs is None else runs)
                                  for d in self.drawn[run.name].get(name, ()) if not d.band))

    def overlay_outputs(self, name, runs=None):
        files = [f"{COMPARE}/overlay/{stem}.{ext}" for stem in self.overlay_stems(name, runs)
                 for ext in ("png", "pdf", "txt")]
        return files + [f"{COMPARE}/overlay/{name}.metrics.csv"]

    @staticmethod
    def overlay_provenance(name):
        return f"{COMPARE}/overlay/{name}.provenance.json"

    def overlay_specs(self, run, name):
        """What the overlay job reads of ``run``: the tables its figures and its metrics read, every seed."""
        experiment = EXPERIMENTS[name]
        tables = dict.fromkeys([t for d in self.drawn[run.name][name] for t in d.figure.tables]
                               + (list(experiment.claims_tables) if experiment.metrics else []))
        return self.table_specs(run, [(name, t) for t in tables], run.seeds)

    @staticmethod
    def overlay_entries(name):
        """The functions an overlay job calls: its figures' overlays and its experiment's metrics."""
        from ..declare import qualified

        return [qualified(f.overlay) for f in FIGURES.values() if f.experiment == name and f.overlay] + (
            [qualified(EXPERIMENTS[name].metrics)] if EXPERIMENTS[name].metrics else [])

    def overlay_runs(self, name):
        """Per compared run that draws experiment ``name``: its name, settings, seeds, tables and figures."""
        return [{"name": run.name, "settings": run.config[name], "seeds": run.seeds(name),
                 "tables": self.overlay_specs(run, name),
                 "figures": [d.as_params() for d in self.drawn[run.name][name] if not d.band]}
                for run in self.runs if name in self.drawn[run.name]]

    # ------------------------------------------------------------------ sweeps

    def sweeps(self, runs=None):
        """{sweep: its compared runs, in order} of the sweeps some of whose runs are compared
        (of ``runs``, by default this call's)."""
        out = {}
        for run in self.named_runs if runs is None else [run for run in runs if run.name != BOOK]:
            sweep = self.run_specs[run.name].get("sweep")
            if sweep:
                out.setdefault(sweep["name"], []).append(run)
        return out

    def sweep_claims(self, sweep, runs=None):
        """The claim ids whose quantities sweep ``sweep`` may change: those of every set of
        claims that reads an experiment whose settings differ between its runs and the book's."""
        runs = [self.book_run] + self.sweeps(runs)[sweep]
        changed = {name for name in EXPERIMENTS for run in runs[1:] if run.config[name] != runs[0].config[name]}
        return [claim for c in CLAIMS if set(c.experiments) & changed for claim in c.ids]

    def sweep_outputs(self, sweep, runs=None):
        return [f"{COMPARE}/sweep/{sweep}/{claim_file(claim)}.{ext}" for claim in self.sweep_claims(sweep, runs)
                for ext in ("png", "pdf", "txt")]

    @staticmethod
    def sweep_provenance(sweep):
        return f"{COMPARE}/sweep/{sweep}/provenance.json"

    def sweep_params(self, sweep):
        """The sweep's key(s), the book's value of each, and per run its values and claims file."""
        runs = self.sweeps()[sweep]
        keys = self.run_specs[runs[0].name]["sweep"]["keys"]
        return {"name": sweep, "keys": keys, "book": [setting(self.book_run.config, key) for key in keys],
                "claims": self.sweep_claims(sweep), "files": [claim_file(c) for c in self.sweep_claims(sweep)],
                "runs": [{"name": run.name, "values": self.run_specs[run.name]["sweep"]["values"],
                          "claims": run.path("claims.csv")} for run in runs],
                "book_claims": self.book_run.path("claims.csv")}

    # ------------------------------------------------------------------ the page

    def run_sweep(self, run):
        """Where ``run`` lies in a sweep ({"name", "keys", "values"}), or None."""
        return None if run.name == BOOK else self.run_specs[run.name].get("sweep")

    def compare_jobs(self, runs=None):
        """The comparison's jobs, as ``dlscratch.verify`` and healing check them (of ``runs``, by
        default this call's; the files no run writes are those of no job of every run's)."""
        jobs = [{"target": "compare", "rule": "compare_page", "provenance": f"{COMPARE}.provenance.json",
                 "outputs": [f"{COMPARE}.html", f"{COMPARE}.csv"], "log": "results/logs/compare.log"}]
        jobs += [{"target": "compare", "rule": f"compare_overlay_{name}", "provenance": self.overlay_provenance(name),
                  "outputs": self.overlay_outputs(name, runs), "log": f"results/logs/compare/overlay_{name}.log"}
                 for name in self.overlaid(runs)]
        jobs += [{"target": "compare", "rule": f"compare_sweep_{sweep}", "provenance": self.sweep_provenance(sweep),
                  "outputs": self.sweep_outputs(sweep, runs), "log": f"results/logs/compare/sweep_{sweep}.log"}
                 for sweep in self.sweeps(runs)]
        return jobs
