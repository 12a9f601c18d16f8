"""What every workflow script does around its library call: log, limit threads, time."""

import contextlib
import ctypes
import platform
import sys
import time
import traceback
from pathlib import Path

from threadpoolctl import threadpool_info, threadpool_limits

from .datasets import load_mnist
from .provenance import record, to_json
from .tables import atomic_write_text


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
    timing logged, and, when the rule has a ``provenance`` output, a provenance record of
    every other output written there once the body succeeded.

    Every job computes on one core: several single-threaded jobs use the cores better than
    one job with several BLAS threads (OpenBLAS gains only 1.4x from a second thread on
    these small matrices, and collapses when its threads must share a core). A rule's
    ``threads`` is the share of ``--cores`` it claims for scheduling (more than one only
    when ``--cores`` exceeds the machine's CPUs; see workflow/rules/common.smk).

    Exceptions are written to the log with their traceback, then re-raised so the job
    fails (and Snakemake removes its outputs).
    """
    log_path = snakemake.log[0]
    keep_freed_memory()
    with open(log_path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        start = time.perf_counter()
        with threadpool_limits(limits=BLAS_THREADS):
            blas = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
                    for i in threadpool_info()]
            print(f"rule {snakemake.rule} {dict(snakemake.wildcards)}; python {platform.python_version()}; {blas}")
            try:
                yield
                _write_provenance(snakemake, blas)
            except BaseException:
                traceback.print_exc()
                raise
            finally:
                print(f"elapsed {time.perf_counter() - start:.2f} s")
                sys.stdout.flush()


def _write_provenance(snakemake, blas):
    names = dict(snakemake.output.items())
    if "provenance" not in names:
        return
    outputs = [p for p in snakemake.output if p != names["provenance"]]
    params = {k: v for k, v in snakemake.params.items()}
    rec = record(snakemake.rule, dict(snakemake.wildcards.items()), params, list(snakemake.input), outputs, blas)
    atomic_write_text(names["provenance"], to_json(rec))


def load_mnist_input(snakemake):
    """MNIST from the directory of the rule's ``mnist`` input files (verified on load)."""
    return load_mnist(data_dir=Path(snakemake.input.mnist[0]).parent)


def save_outputs(figure, name, outputs):
    """Save ``figure`` to every output file whose name (without suffix) is ``name``."""
    import matplotlib  # imported here: training jobs need no matplotlib

    matplotlib.use("Agg")  # pipeline jobs draw headless and never show anything
    from .plotting import save_figure

    paths = [p for p in outputs if Path(p).stem == name]
    if not paths:
        raise ValueError(f"no output file for figure {name!r}")
    for path in paths:
        save_figure(figure, path)
        # The first save settles the layout; the other formats reuse it instead of running
        # the constrained-layout solver again (the costliest step for many-panel figures).
        figure.set_layout_engine("none")
