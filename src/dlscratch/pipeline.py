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
from .datasets import MnistDataError, load_mnist
from .provenance import record, to_json
from .faults import TableError
from .tables import read_tables, write_table

# Faults of the job's inputs or surroundings, not of the code: a damaged or unreadable table or
# record, a damaged MNIST file, an output that cannot be written. Each is one message that
# names the file, what is wrong and the remedy; a traceback would only bury it.
EXPECTED_FAULTS = (TableError, MnistDataError, OutputError)


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
    rec = record(snakemake.rule, dict(snakemake.wildcards.items()), params, list(snakemake.input), outputs, blas,
                 modules=sys.modules)
    write_text(names["provenance"], to_json(rec))


def function(dotted):
    """The function named "package.module:function"."""
    module, name = dotted.split(":")
    return getattr(importlib.import_module(module), name)


def run_experiment(snakemake):
    """A training job: for each of ``params.calls``, the experiment function ``params.run``
    ("module:function") called with the call's settings, MNIST (from the directory of the
    ``mnist`` inputs, verified on load) or None, and the seed; each table it returns is
    written to the store entry that keeps it (``dlscratch.store``), and each entry gets its
    provenance record, written last. The seed is the ``seed`` wildcard, or the call's."""
    params = snakemake.params
    mnist = snakemake.input.get("mnist")
    data = load_mnist(data_dir=Path(mnist[0]).parent) if mnist else None
    run = function(params.run)
    for call in params.calls:
        seed = int(snakemake.wildcards.seed) if "seed" in snakemake.wildcards.keys() else call.get("seed")
        tables = run(call["settings"], data, seed)
        wanted = {name for entry in call["entries"] for name in entry["tables"]}
        if set(tables) != wanted:
            raise ValueError(f"{params.run} returned tables {sorted(tables)}; the job's entries keep {sorted(wanted)}")
        for entry in call["entries"]:
            directory = entry["directory"].replace("{seed}", str(seed))
            written = []
            for returned, name in entry["tables"].items():
                written.append(f"{directory}/{name}.csv")
                write_table(tables[returned], written[-1])
                print(f"{written[-1]}: {len(tables[returned])} rows\n{tables[returned].head(6).to_string()}")
            describe = {"experiment": entry["experiment"], "unit": entry["unit"], "key": entry["key"], "seed": seed,
                        "run": params.run, "settings": entry["settings"],
                        "benchmark": params.benchmark.format(**dict(snakemake.wildcards.items()))}
            rec = record(snakemake.rule, dict(snakemake.wildcards.items()), describe, [], written, _blas(),
                         modules=sys.modules, code=params.code, seed=seed)
            write_text(f"{directory}/provenance.json", to_json(rec))


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
