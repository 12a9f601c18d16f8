"""The key of a store entry, checked where the work is done.

The workflow keys every entry by the code its job runs and the platform it runs on
(``dlscratch.store.unit_key``) when it builds its plan; the job runs later, in another
process, maybe on another machine. If a source is edited in between (or while the job runs),
the job would compute with other code than its key names, and the store would serve that
result as the key's ever after. So a training job checks, before it publishes anything,
that the sources it imported hash to the key's code (``dlscratch.sources.code_hash``, so a
comment or a docstring edited meanwhile does not matter), that none of them changed while it
ran, that its BLAS runs the kernels the key names, and that the MNIST files it read are
still the files it verified. Anything else is a ``KeyMismatch``: the job stores nothing and
fails with one line that names the file and says to run again.
"""

import os
import sys
from importlib import metadata
from pathlib import Path

from .faults import rerun_command
from .sources import PACKAGE_DIR, code_of, loaded_sources, modules_run
from .store import numpy_blas, package_names


class KeyMismatch(RuntimeError):
    """A training job whose code, platform or data are not those its entries' key names."""


def _module(file):
    """dlscratch/x/y.py -> dlscratch.x.y (dlscratch/x/__init__.py -> dlscratch.x)."""
    return file.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _file(module):
    path = _source("/".join(module.split(".")) + ".py")
    return "/".join(module.split(".")) + (".py" if path.exists() else "/__init__.py")


def _source(name):
    """The file of the library source ``name`` (dlscratch/x.py) in this checkout."""
    return PACKAGE_DIR.parent / name


class KeyCheck:
    """The sources a training job has imported, read when it imported them, against ``code``
    ({source name: code_hash}, what the entries' key was made from) and ``platform``."""

    def __init__(self, code, platform):
        self.code, self.platform = dict(code), platform
        self.read = {}
        self.snapshot()

    def snapshot(self):
        """Read every library source imported so far (call it after each import)."""
        for path, name in self._loaded():
            if name not in self.read:
                self.read[name] = Path(path).read_bytes()

    @staticmethod
    def _loaded():
        files = loaded_sources(sys.modules)
        return list(zip(files, package_names(files)))

    def check(self):
        """Raise ``KeyMismatch`` unless the job's code and platform are its key's."""
        self.snapshot()
        rerun = f"nothing was stored; run `{rerun_command()}` again"
        files = {name.split(":")[0]: name for name in self.code}
        # a module outside the key may be loaded when a section's module of the key imports it
        # without the job running it (its drawing, in a training job); never one no import explains
        sections = [_module(f) for f, name in files.items() if ":" in name]
        known = set(files) | {_file(m) for m in modules_run(*sections)}
        extra = sorted(set(self.read) - known)
        if extra:
            raise KeyMismatch(f"{extra[0]}: the job imported it, but its entries' key does not cover it (the "
                              f"workflow did not see that import); {rerun}")
        for file, name in sorted(files.items()):
            path = _source(file)
            shown = os.path.relpath(path)
            try:
                now = path.read_bytes()
            except OSError:
                now = b""
            imported = self.read.get(file, now)
            if code_of(name, imported) != self.code[name]:
                raise KeyMismatch(f"{shown}: changed after the workflow planned this job, which imported the changed "
                                  f"code, so its tables are not those of the code its entries' key names; {rerun}")
            if code_of(name, now) != code_of(name, imported):
                raise KeyMismatch(f"{shown}: changed while this job ran (its code is no longer the code the job "
                                  f"imported and its entries' key names); {rerun}")
        self.check_platform()

    def check_platform(self):
        found = {"numpy": metadata.version("numpy"), "pandas": metadata.version("pandas"), "blas": numpy_blas()}
        if found == self.platform:
            return
        for what in ("numpy", "pandas"):
            if found[what] != self.platform[what]:
                raise KeyMismatch(f"this job runs {what} {found[what]}, but its entries' key was made for "
                                  f"{what} {self.platform[what]} (the workflow's own); install the same versions "
                                  "where the jobs run")
        ours = ", ".join(f"{b['internal_api']} {b['version']} ({b['architecture']} kernels)" for b in found["blas"])
        theirs = ", ".join(f"{b['internal_api']} {b['version']} ({b['architecture']} kernels)"
                           for b in self.platform["blas"])
        raise KeyMismatch(f"this job's BLAS is {ours}, but its entries' key was made for {theirs}: results would "
                          "differ in their last bits. Pin the kernels with the setting blas_coretype (for example "
                          "`--config blas_coretype=Haswell`, see config/README.md) so that every machine computes "
                          "the same bytes")
