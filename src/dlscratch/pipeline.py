"""What every workflow script does around its library call: log, one BLAS thread, time,
provenance; and the experiment job itself (settings in, the experiment's tables out)."""

import contextlib
import ctypes
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from threadpoolctl import threadpool_info, threadpool_limits

from .atomic import OutputError, write_text
from .datasets import MnistDataError, check_unchanged, load_mnist
from .faults import TableError, rerun_command
from .keycheck import KeyCheck, KeyMismatch
from .provenance import entry_record, job_record, record, to_json
from .store import JOB, RECORD, Entry, entry_problem, publish, staging
from .tables import write_table

# Faults of the job's inputs or surroundings, not of the code: a damaged or unreadable table or
# record, a damaged MNIST file, an output that cannot be written, code or data that changed
# after the workflow planned the job. Each is one message that
# names the file, what is wrong and the remedy; a traceback would only bury it.
EXPECTED_FAULTS = (TableError, MnistDataError, OutputError, KeyMismatch)


def keep_freed_memory():
    """Ask glibc to keep freed memory for reuse instead of returning it to the OS.

    Every evaluation allocates and frees activations of several MB; by default glibc
    hands such blocks back to the kernel and takes them again, page fault by page fault
    (a quarter of a Dropout job's time went to the kernel). No effect off glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
    return all(
        libc.mallopt(option, value) == 1
        for option, value in [(M_MMAP_THRESHOLD, 256 << 20), (M_TRIM_THRESHOLD, 512 << 20), (M_TOP_PAD, 64 << 20)]
    )


BLAS_THREADS = 1


@contextlib.contextmanager
def job(snakemake):
    """Run a workflow script's body: output to the rule's log, BLAS limited to one thread,
    start time and duration logged, and, when the rule has a ``provenance`` output, a
    provenance record of every other output written there once the body succeeded.

    Every job computes on one core, and its rule says so (``threads: 1``): several
    single-threaded jobs use the cores better than one job with several BLAS threads
    (OpenBLAS gains only 1.4x from a second thread on these small matrices, and collapses
    when its threads must share a core).

    An expected fault (``EXPECTED_FAULTS``) fails the job with its one message, in the log
    and in the terminal, and no traceback. Any other exception is a bug: it is written to
    the log with its traceback, then re-raised. Either way Snakemake removes the job's
    outputs.
    """
    log_path = snakemake.log[0]
    keep_freed_memory()
    with open(log_path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        start = time.perf_counter()
        with threadpool_limits(limits=BLAS_THREADS):
            blas = _blas()
            where = f"host {platform.node()}" + (f", SLURM job {os.environ['SLURM_JOB_ID']}"
                                                 if "SLURM_JOB_ID" in os.environ else "")
            print(f"rule {snakemake.rule} {dict(snakemake.wildcards)}; python {platform.python_version()}; {blas}; "
                  f"{where}")
            print(f"started {time.time():.3f}")
            try:
                yield
                _write_provenance(snakemake, blas)
            except EXPECTED_FAULTS as fault:
                print(f"Error: {fault}")
                print(f"rule {snakemake.rule}: {fault}", file=sys.__stderr__, flush=True)
                raise SystemExit(1) from None
            except BaseException:
                traceback.print_exc()
                raise
            finally:
                print(f"elapsed {time.perf_counter() - start:.2f} s")
                sys.stdout.flush()


def _blas():
    """The BLAS libraries loaded, and their threads (as provenance records them)."""
    return [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
            for i in threadpool_info()]


def _write_provenance(snakemake, blas):
    names = dict(snakemake.output.items())
    if "provenance" not in names:
        return
    outputs = [p for p in snakemake.output if p != names["provenance"]]
    params = {k: v for k, v in snakemake.params.items()}
    code = [name.split(":")[0] for name in params.get("code", {})]  # the sources its rule declares
    rec = record(snakemake.rule, dict(snakemake.wildcards.items()), params, list(snakemake.input), outputs, blas,
                 modules=sys.modules, code=code)
    write_text(names["provenance"], to_json(rec))


def function(dotted):
    """The function named "package.module:function"."""
    module, name = dotted.split(":")
    return getattr(importlib.import_module(module), name)


def run_experiment(snakemake):
    """A training job: for each of ``params.calls``, the experiment function ``params.run``
    ("module:function") called with the call's settings, MNIST (from the directory of the
    ``mnist`` inputs, verified on load) or None, and the seed; each table it returns goes to
    the store entry that keeps it (``dlscratch.store``). The seed is the ``seed`` wildcard,
    or the call's.

    Before it publishes an entry, the job checks that its code, platform and data are those
    the entry's key names (``dlscratch.keycheck``); then it writes the entry into a temporary
    directory beside it (tables, ``provenance.json``, ``job.json``) and renames it into place.
    An entry that another run published meanwhile (a store shared by several working
    directories) is used as it is, and not computed again."""
    params = snakemake.params
    check = KeyCheck(params.code, params.platform)
    run = function(params.run)
    check.check()  # before any training: code edited since the workflow planned this job
    mnist = snakemake.input.get("mnist")
    data = load_mnist(data_dir=Path(mnist[0]).parent) if mnist else None
    wildcards = dict(snakemake.wildcards.items())
    job = job_record(snakemake.rule, wildcards, params.run, params.benchmark.format(**wildcards),
                     snakemake.log[0], sys.modules)
    for call in params.calls:
        seed = int(wildcards["seed"]) if "seed" in wildcards else call.get("seed")
        entries = [_entry(out, seed) for out in call["entries"]]
        if all(entry_problem(entry) is None for entry in entries):
            print(f"{', '.join(e.directory for e in entries)}: published by another run meanwhile; used as it is")
            continue
        try:
            tables = run(call["settings"], data, seed)
            wanted = {name for entry in call["entries"] for name in entry["tables"]}
            if set(tables) != wanted:
                raise ValueError(f"{params.run} returned tables {sorted(tables)}; the job's entries keep "
                                 f"{sorted(wanted)}")
            check.check()
            changed = check_unchanged()
            if changed:
                raise KeyMismatch(f"{changed[0][0]}: {changed[0][1]}; nothing was stored; run `{rerun_command()}` "
                                  "again")
        except Exception:
            # another run sharing the store published these entries meanwhile: they stand (a failed job's
            # outputs are deleted by Snakemake, and here they are that run's)
            if all(entry_problem(entry) is None for entry in entries):
                print(f"{', '.join(e.directory for e in entries)}: published by another run meanwhile; used as it is")
                continue
            raise
        for out, entry in zip(call["entries"], entries):
            tmp = staging(entry.directory)
            written = []
            for returned, name in out["tables"].items():
                written.append(str(tmp / f"{name}.csv"))
                write_table(tables[returned], written[-1])
                print(f"{entry.table(name)}: {len(tables[returned])} rows\n{tables[returned].head(6).to_string()}")
            write_text(tmp / JOB, to_json(job))
            rec = entry_record(out, seed, written, params.code, params.platform, _blas())
            write_text(tmp / RECORD, to_json(rec))
            print(f"{entry.directory}: {publish(tmp, entry.directory, lambda d, e=entry: entry_problem(e))}")


def _entry(out, seed):
    """The ``dlscratch.store.Entry`` a training job writes for ``out`` (the rule's description)
    and ``seed``."""
    return Entry(out["experiment"], out["unit"], out["key"], seed if out["seeded"] else None,
                 tuple(out["tables"].values()), out["settings"], out["root"])


def write_outputs(tables, outputs):
    """Write each table of ``tables`` ({name: DataFrame}) to the output file of that name;
    every output must get a table, and every table an output."""
    paths = outputs_by_name(outputs)
    if set(tables) != set(paths):
        raise ValueError(f"the job returned tables {sorted(tables)} for outputs {sorted(paths)}")
    for name, table in tables.items():
        write_table(table, paths[name])


def outputs_by_name(outputs, exclude=("provenance",)):
    """{file name without its suffix: path} of a job's outputs (except ``exclude``d named ones)."""
    skip = {outputs[name] for name in exclude if name in outputs.keys()}
    return {Path(p).name.removesuffix(Path(p).suffix): p for p in outputs if p not in skip}
