"""The workflow's checks and answers (``Pipeline``'s methods): what a call may heal, ``verify``,
``prune``, the files no run writes, a target that does not exist, a report asked for too
early, a page left linking what a failed job removed."""

import functools
import glob
import json
import os
import re
import sys

from ..config import ConfigError, check_config, refuse, resolve_config
from ..heal import leftovers
from ..index import stale_links
from ..plan import needed
from ..prune import busy as prune_busy, plan as prune_plan
from ..runs import BOOK, RUNS_FILE, run_config
from ..store import registrations
from ..verify import report as verify_report

AUDITS = ("verify", "prune")  # targets that read results/ and change nothing of it but what they say
WHOLE = ("all", "studies", "compare")  # targets that make a whole run: a run of them heals


class Audit:
    """What the workflow checks and answers (a mixin of ``Pipeline``)."""

    def heal_scope(self):
        """(mode, runs) of the check before the plan (``dlscratch.heal``): "heal" in a run that
        executes the chapter, the studies or the comparison; "dry" in a dry run of them;
        "report" (say, remove nothing) for another target, such as one figure; None for verify
        and prune (read-only audits), a job on a cluster node, or while another Snakemake holds
        this directory (Snakemake refuses to run then anyway)."""
        targets = set(self.invocation.targets) or {"all"}
        runs = [self.book_run] + (self.named_runs if "compare" in targets else [])
        locked = os.path.isdir(".snakemake/locks") and os.listdir(".snakemake/locks")
        if not self.default_mode or targets & set(AUDITS) or locked:
            return None, runs
        whole = targets <= set(WHOLE)
        if not self.invocation.known:
            return "report", runs
        if self.invocation.dryrun:
            return ("dry" if whole else None), runs
        if not self.invocation.executes:
            return None, runs
        return ("heal" if whole else "report"), runs

    def executes_with_store(self):
        """Whether this call runs jobs that use the store: it then holds the store's lock
        shared, so that no prune runs meanwhile, and registers what it reads."""
        return (self.default_mode and self.invocation.executes and not self.invocation.dryrun
                and not set(self.invocation.targets) & set(AUDITS))

    def runs_ready(self, files, every=False):
        """``files`` (a target that builds the named runs), unless config/runs.yaml or a run it
        needs is wrong: then say so, before any job (``every``: all its runs, for prune)."""
        wanted = set(self.run_specs) if every else set(self.selected)
        problems = [message for name, message in self.run_errors.items()
                    if name in (RUNS_FILE, "runs", "try") or name in wanted]
        if problems:
            refuse("\n".join(problems))
        return files

    # ------------------------------------------------------------------ verify

    def verified(self, wildcards):
        """`snakemake verify`: check results/ against what the run wrote (``dlscratch.verify``),
        while the DAG is built, so that its report is all that is printed: one line per file that
        is not what the run wrote (or that no current run writes), with the command that remakes
        (or removes) it, and exit status 1. With --config 'runs=[...]', the named runs too, and their comparison."""
        runs = [self.book_run] + [r for r in self.named_runs if self.config.get("runs")]
        if self.config.get("runs"):
            self.runs_ready([])
        jobs, schemas = [], {}
        for run in runs:
            jobs += self.run_jobs(run)
            schemas.update(self.run_schemas(run))
        if self.config.get("runs") and any(os.path.exists(job["provenance"]) for job in self.compare_jobs()):
            jobs += self.compare_jobs()  # the comparison of those runs, once it has been made
        jobs = list({job["provenance"]: job for job in jobs}.values())  # shared entries once
        if not any(os.path.exists(job["provenance"]) for job in jobs):
            refuse(f"verify: results/ holds no run of these settings yet: run the workflow first (`{self.rerun}`)")
        lines, ok = verify_report(jobs, schemas, leftovers(self.written_files(), self.store),
                                  self.invocation.command("prune"))
        if not self.invocation.dryrun:  # a dry run writes nothing into results/
            os.makedirs("results/logs", exist_ok=True)
            with open("results/logs/verify.log", "w") as log:
                log.write("\n".join(lines) + "\n")
        if not ok:
            refuse("\n".join(lines))
        print("\n".join(lines), file=sys.stderr)
        return []

    # ------------------------------------------------------------------ files no run writes

    def written_files(self):
        """Every file under results/ that a current run writes: the outputs and records of every
        job of the book's run (its studies too), of every run of config/runs.yaml and of the
        comparison, every rule's log, and the log and benchmark of the job that computed each
        store entry they read (from its job.json)."""
        files = set()
        for run in self.all_runs:
            for studies in [False, True] if run.name == BOOK else [False]:
                for job in self.run_jobs(run, entries=False, studies=studies):
                    files.update([job["provenance"], job["log"], *map(str, job["outputs"])])
        for job in self.compare_jobs(self.all_runs):
            files.update([job["provenance"], job["log"], *job["outputs"]])
        for each in self.workflow.rules:  # every rule's own log (a run's jobs' logs above: defined or not)
            files.update(str(log) for log in each.log if "{" not in str(log))
        for entry in needed(self.all_runs, studies=True).values():
            try:
                with open(entry.job) as f:
                    made = json.load(f)
            except (OSError, ValueError):
                continue
            for key in ("log", "benchmark"):  # (relative to the directory the job ran in)
                if isinstance(made, dict) and made.get(key):
                    files.add(os.path.normpath(made[key]))
        return files

    def announce_leftovers(self):
        """In a run that executes: one line when results/ holds files that no current run writes."""
        if self.heal_mode not in ("heal", "report") or not os.path.isdir("results"):
            return
        found = leftovers(self.written_files(), self.store)
        if found:
            self.logger.warning(
                f"results/ holds {len(found)} file(s) or folder(s) that no current run writes (an earlier layout or "
                f"earlier settings; the first: {found[0]}): `{self.invocation.command('verify')}` lists them, "
                f"`{self.invocation.command('prune')}` removes them")

    # ------------------------------------------------------------------ prune

    def shipped_runs(self):
        """The runs each shipped settings file (config/*.yaml on top of config/config.yaml)
        makes, with the runs of config/runs.yaml on top: what prune keeps too."""
        runs, validate = [], self.validator()
        for path in sorted(glob.glob(self.project_path("config", "*.yaml"))):
            if os.path.basename(path) in ("config.yaml", "runs.yaml"):
                continue
            try:
                settings = resolve_config(self.book_config, [path], {})
                validate(settings)
                check_config(settings)
            except (ConfigError, OSError) as error:
                self.logger.warning(f"prune: {path} is left out ({error})")
                continue
            runs.append(self.new_run(BOOK, settings))
            for name, spec in self.run_specs.items():
                try:
                    runs.append(self.new_run(name, run_config(name, settings, spec["settings"], validate)))
                except ConfigError:
                    continue
        return runs

    def referenced_entries(self):
        """(keep, own): the names of the store entries prune keeps, and of those this working
        directory refers to: the current settings' (the book's run, its studies, every run of
        config/runs.yaml) and each shipped settings file's, with this code; ``keep`` adds what
        other working directories sharing the store have registered."""
        own = {e.name for e in needed(self.all_runs + self.shipped_runs(), studies=True).values()}
        here, others = os.path.realpath(os.getcwd()), set()
        for workdir, names in registrations(self.store).items():
            if os.path.realpath(workdir) != here:
                others |= names
        return sorted(own | others), sorted(own)

    @functools.cache
    def announce_prune(self):
        """`snakemake prune`: refuse while a run uses the store or this directory; else say what
        it deletes (or, with -n, would delete) and keeps, once. Returns the prune job's parameters."""
        self.runs_ready([], every=True)
        problem = prune_busy(self.store)
        if problem:
            refuse(f"prune: {problem}")
        keep, own = self.referenced_entries()
        files = leftovers(self.written_files(), self.store)
        print("\n".join(prune_plan(self.store, keep, files).lines()), file=sys.stderr)
        return {"store": self.store, "keep": keep, "own": own, "files": files}

    # ------------------------------------------------------------------ targets and reports

    def figure_targets(self):
        """The names `snakemake <target>` accepts for the book's figures (fig6-01, ...)."""
        return sorted(self.book_figure_targets())

    def answer_unknown_target(self, wildcards):
        """A target that names no file of this workflow and none of its rules: list the targets."""
        from difflib import get_close_matches

        name = wildcards.target
        padded = re.sub(r"^fig6-(\d)$", r"fig6-0\1", name)
        known = self.figure_targets() + ["all", *WHOLE[1:], *AUDITS]
        close = [padded] if padded in known and padded != name else get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        refuse(f"unknown target {name!r}.{hint} The figure targets are {', '.join(self.figure_targets())}; the others "
               "are all (the default: the whole chapter), studies (the studies beyond the book, with the chapter), "
               "compare (the book's run and the named runs of config/runs.yaml, side by side), verify (check "
               "results/ against what the run wrote) and prune (delete stored results no run refers to). A file of "
               "results/ is a target too.")

    @staticmethod
    def creating_report():
        """Whether Snakemake is building its report (`snakemake --report`) rather than running
        the workflow. Snakemake does not tell a workflow; its report builds the DAG from inside
        Workflow.create_report, so the call stack says it."""
        frame = sys._getframe()
        while frame is not None:
            if frame.f_code.co_name == "create_report" and "workflow" in frame.f_code.co_filename:
                return True
            frame = frame.f_back
        return False

    def ready_for_report(self, files):
        """``files`` (a target's), unless a report is asked for before they exist: then say that
        the workflow must run first (Snakemake would fail on the first missing figure, after a
        warning for each file it has no record of)."""
        if self.creating_report():
            shown = [f for f in files if os.path.basename(os.path.dirname(f)) == "figures" and f.endswith(".png")]
            missing = [f for f in shown if not os.path.exists(f)]
            if missing:
                refuse(f"--report: {len(missing)} of the {len(shown)} figures the report shows do not exist yet (the "
                       f"first: {missing[0]}); run the workflow first (`{self.rerun}`, with the same target), then "
                       "build the report")
        return files

    def drop_stale_index(self):
        """After a failed run: remove a page that links a figure that a failed job removed
        (Snakemake deletes a failed job's outputs), so that no page links what is not there.
        The next successful run writes it again."""
        for run in self.runs:
            path = run.path("index.html")
            missing = stale_links(path)
            if missing:
                os.remove(path)
                self.logger.warning(f"{path} removed: it linked {len(missing)} file(s) that a failed job removed (the "
                                    f"first: {missing[0]}); the next successful run writes it again")
