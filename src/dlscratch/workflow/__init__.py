"""The workflow's program: everything the Snakefile and ``workflow/rules/*.smk`` ask, so that
they hold the rules and one-line calls (``P.<method>(...)``), and pytest can test it.

``Pipeline`` is made once per call of Snakemake, from its ``workflow`` object and the
validated ``config``. It works out, in order:

- how the user called Snakemake (``dlscratch.invocation``), the named runs of
  ``config/runs.yaml`` (``dlscratch.runs``) and the runs this call builds;
- the code each kind of job runs (``rule_code``: ``dlscratch.sources.job_code``) and the
  platform, which key the store's entries (``dlscratch.store``);
- the check of what the runs would reuse, which heals it in a run that executes
  (``dlscratch.heal``), then which job computes each entry the store lacks
  (``dlscratch.plan``).

The methods that say what a job reads and writes are in ``files``; verify, prune, the
leftovers and the answers to a wrong target in ``audit``.
"""

import json
import logging
import os
import time

from ..config import ConfigError, refuse
from ..heal import Healing, HealError, check_entries, heal
from ..invocation import ENV as INVOCATION_ENV, from_stack, to_env
from ..plan import Run, jobs as store_jobs, needed
from ..registry import EXPERIMENTS, missing_variants
from ..runs import BOOK, RUNS_FILE, read_runs, run_config, selected, tried_run
from ..sources import digest_hashes
from ..store import StoreLock, platform_key, register
from .audit import Audit
from .comparison import Comparison
from .files import Files

MNIST_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
               "t10k-labels-idx1-ubyte.gz"]


class Pipeline(Files, Comparison, Audit):
    """One call of the workflow: its settings, its runs, its code, its store and its plan.

    ``workflow`` is Snakemake's (its ``basedir``, ``exec_mode``, ``config_settings``,
    ``rules`` and ``dag_settings`` are read); ``config`` the validated settings and
    ``book_config`` config/config.yaml's; ``schema`` the config schema
    (``dlscratch.config.config_schema``); ``logger`` Snakemake's; ``report`` and ``update``
    Snakemake's file markers (a figure in the report, an output updated in place).
    """

    def __init__(self, workflow, config, book_config, schema, logger, report=None, update=None):
        from snakemake_interface_executor_plugins.settings import ExecMode

        self.workflow, self.config, self.book_config, self.schema = workflow, config, book_config, schema
        self.logger, self.report, self.update = logger, report or (lambda path, **kw: path), update or (lambda p: p)
        self.default_mode = workflow.exec_mode == ExecMode.DEFAULT
        self._setup_invocation()
        self._setup_runs_file()
        self._setup_environment()
        self._setup_code()
        self._setup_runs()
        self._setup_store()
        logger.addFilter(NoBackupNotice(self.store))

    # ------------------------------------------------------------------ set up, in order

    def project_path(self, *parts):
        """A file of the project (the Snakefile's directory), as a path from the working
        directory (``src/...``, or ``../project/src/...`` with --directory elsewhere: relative,
        so that a moved or copied project reruns nothing)."""
        return os.path.relpath(os.path.join(self.workflow.basedir, *parts))

    def _setup_invocation(self):
        """How the user runs the workflow (its targets, whether it executes, the options a
        remedy quotes as typed); its jobs inherit it, and a cluster job keeps the one it inherited."""
        settings = self.workflow.config_settings
        self.invocation = from_stack(settings.configfiles, settings.config)
        if self.default_mode or INVOCATION_ENV not in os.environ:
            os.environ.update({INVOCATION_ENV: to_env(self.invocation)})
        self.rerun = self.invocation.command()

    def _setup_runs_file(self):
        """The named runs of config/runs.yaml, each the settings with its own on top, checked
        like them. Only `snakemake compare` (and verify and prune, which cover the runs)
        needs them: a fault stops those (``runs_ready``) and is a warning otherwise, so that a
        broken runs file never stops the book's run."""
        self.run_specs, self.run_configs, self.run_errors, self.selected = {}, {}, {}, []
        validate = self.validator()
        try:
            self.run_specs = read_runs(self.project_path(RUNS_FILE))
        except ConfigError as error:
            self.run_errors[RUNS_FILE] = str(error)
        for name, spec in self.run_specs.items():
            try:
                self.run_configs[name] = run_config(name, self.config, spec["settings"], validate)
            except ConfigError as error:
                self.run_errors[name] = str(error)
        try:
            wanted = self.config.get("runs")  # with a tried run and no 'runs': that run alone beside the book's
            self.selected = selected(self.run_specs, [] if wanted is None and self.config.get("try") else wanted)
        except ConfigError as error:
            self.run_errors["runs"] = str(error)
        if self.config.get("try") is not None:  # a run tried from the command line: compared with the book's
            try:
                name, spec = tried_run(self.config["try"])
                if name in self.run_specs:
                    raise ConfigError(f"config key 'try': the tried run's name '{name}' is a run of {RUNS_FILE}")
                self.run_specs[name] = spec
                self.run_configs[name] = run_config(name, self.config, spec["settings"], validate)
                self.selected.append(name)
            except ConfigError as error:  # given for this call: refused whatever the target
                refuse(str(error))

    def validator(self):
        from ..config import schema_validator

        return schema_validator(self.schema)

    def _setup_environment(self):
        """Paths, and what the jobs inherit: this checkout's library first on their path
        (whatever dlscratch is installed), the store, the pinned BLAS kernels; and the
        ``cpus`` resource: no more jobs at once on this machine than it has CPUs, whatever
        --cores says (time-sharing a CPU made the 5-seed run 14% slower)."""
        self.src = self.project_path("src")
        # a relative mnist_dir is relative to the project, so that --directory elsewhere still reads
        # the project's copy (every copy is checked against the same checksums)
        self.mnist = [self.project_path(self.config["mnist_dir"], name) for name in MNIST_FILES]
        self.store = os.path.normpath(self.config["store_dir"])
        os.environ.update(PYTHONPATH=os.pathsep.join(
            p for p in [os.path.abspath(self.src), os.environ.get("PYTHONPATH")] if p), DLSCRATCH_STORE=self.store)
        if self.config.get("blas_coretype"):
            os.environ.update(OPENBLAS_CORETYPE=self.config["blas_coretype"])
        if "cpus" not in self.workflow.global_resources:
            self.workflow.register_resource("cpus", len(os.sched_getaffinity(0)))

    def _setup_code(self):
        """The code each training job runs (its hashes: part of every entry's key) and the
        platform its entries are keyed by."""
        self.job_hashes = {name: self.rule_code(entries=self.training_entries(name), scripts=["experiment.py"])
                           for name in EXPERIMENTS}
        self.digests = {name: digest_hashes(hashes) for name, hashes in self.job_hashes.items()}
        self.platform = platform_key(self.config.get("blas_coretype"))

    def _setup_runs(self):
        """The book's run (this config, to results/) and the named ones (to results/runs/<name>/);
        what each draws, and the book's figures its variants cannot draw (said now, and on its page)."""
        self.book_run = self.new_run(BOOK, self.config)
        self.all_runs = [self.book_run] + [self.new_run(name, self.run_configs[name], spec["description"])
                                           for name, spec in self.run_specs.items() if name in self.run_configs]
        self.runs = [self.book_run] + [run for run in self.all_runs[1:] if run.name in self.selected
                                       and self.builds_named_runs()]
        self.named_runs = self.runs[1:]
        for problem in self.run_errors.values():
            self.logger.warning(f"Warning: {problem} (`snakemake compare` refuses to run until it is fixed)")
        self.drawn = {run.name: self.drawn_of(run) for run in self.all_runs}
        self.missing = {run.name: self.missing_figures(run) for run in self.runs}
        for run in self.runs:
            for missing in self.missing[run.name]:
                prefix = "" if run.name == BOOK else f"run '{run.name}': "
                self.logger.warning(f"Warning: {prefix}{missing['message']}")

    def builds_named_runs(self):
        """Whether this call builds or checks the named runs, and so defines their rules: the
        comparison, a file of a named run or of the comparison, --config 'runs=[...]' or
        'try=...', a call whose command line is unknown, and a job that reads the workflow again
        (on a cluster node: it runs whatever rule it was given). A plain run defines the book's
        rules only, and reads the workflow faster for it."""
        invocation = self.invocation
        if not self.default_mode or not invocation.known:
            return True
        return (any(t == "compare" or t.startswith(("results/runs/", "results/compare")) for t in invocation.targets)
                or self.config.get("runs") is not None or self.config.get("try") is not None)

    def new_run(self, name, config, description=""):
        return Run(name, config, self.digests, description, platform=self.platform, store=self.store)

    def drawn_of(self, run):
        """{experiment: the figures ``run`` draws of it} (the studies: the book's run only)."""
        out = {name: run.drawn(name) for name in EXPERIMENTS}
        return {name: d for name, d in out.items() if d and (run.name == BOOK or not EXPERIMENTS[name].study)}

    def missing_figures(self, run):
        return [{"stem": f.stem, "section": f.section, "drawn": d, "message": message}
                for f, d, message in missing_variants(run.config, self.book_config)]

    def _setup_store(self):
        """Hold the store's lock (no prune meanwhile), check what the runs would reuse (and,
        in a run that executes, heal it), plan the jobs that compute what the store lacks,
        and register what this working directory reads."""
        if self.executes_with_store():
            self.store_lock = StoreLock(self.store)  # held until this Snakemake process ends
            self.store_lock.shared()
        self.heal_mode, self.heal_runs = self.heal_scope()
        start = time.perf_counter()
        self.needed = list(needed(self.runs, studies=True).values())
        planned = os.environ.get("DLSCRATCH_PLANNED")
        if not self.default_mode and planned is not None:
            # a cluster job reads the workflow again on its node, where the store may have changed:
            # it takes the plan of the run that submitted it, so that its rule is the one submitted
            missing = set(json.loads(planned))
            self.healing = Healing(problems={e.directory: "missing" if e.name in missing else None
                                             for e in self.needed})
        elif self.heal_mode is None:
            self.healing = Healing(problems=check_entries(self.needed))
        else:
            jobs = [job for run in self.heal_runs for job in self.run_jobs(run, entries=False)]
            try:
                self.healing = heal(self.needed, jobs + (self.compare_jobs() if len(self.heal_runs) > 1 else []),
                                    self.heal_mode, f" ({' '.join(self.invocation.targets)})", self.store)
            except HealError as error:
                refuse(str(error))
        for line in self.healing.lines:
            self.logger.warning(line)
        self.logger.debug(f"heal ({self.heal_mode}): {len(self.needed)} store entries and the runs' own files "
                          f"checked in {time.perf_counter() - start:.3f} s")
        self.batches, self.baselines, self.keyed = store_jobs(
            self.runs, is_complete=lambda e: self.healing.problems.get(e.directory, "missing") is None)
        if self.executes_with_store():
            register(self.store, os.getcwd(), [e.name for e in self.needed])
        if self.default_mode:
            os.environ.update(DLSCRATCH_PLANNED=json.dumps(sorted(
                e.name for e in self.needed if self.healing.problems.get(e.directory) is not None)))


class NoBackupNotice(logging.Filter):
    """Snakemake backs up an ``update`` output before its job and, when the job fails, says
    for each that had none ("Cannot restore ...: no backup found."): a store entry has none
    unless another run published it meanwhile, so for the store that says nothing."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def filter(self, record):
        message = record.getMessage()
        return not (message.startswith("Cannot restore ") and message.endswith("no backup found.")
                    and self.store in message)

