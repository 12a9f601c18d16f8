"""The library sources a rule declares are the modules its jobs really import."""

import ast
import json
import subprocess
import sys
import textwrap

import pytest
from snakemake_runner import provenance_records

from dlscratch.registry import EXPERIMENTS
from dlscratch.sources import PACKAGE_DIR, _defined, entries_hash, imports_of, modules_run, reached, source_files


def test_relative_absolute_and_function_level_imports_are_followed(tmp_path):
    package = tmp_path / "dlscratch"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from . import b as B\nfrom .sub.c import thing\n",
        "b.py": "import numpy\n",
        "sub/__init__.py": "",
        "sub/c.py": "def f():\n    from ..d import g\n    import dlscratch.e\nthing = 1\n",
        "d.py": "g = 2\n",
        "e.py": "",
        "unused.py": "",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    assert imports_of(package / "a.py", "dlscratch.a", package) == {"dlscratch", "dlscratch.b", "dlscratch.sub.c"}
    assert modules_run("dlscratch.a", package_dir=package) == [
        "dlscratch", "dlscratch.a", "dlscratch.b", "dlscratch.d", "dlscratch.e", "dlscratch.sub", "dlscratch.sub.c"]
    script = tmp_path / "script.py"
    script.write_text("from dlscratch.d import g\n")
    assert modules_run(scripts=[script], package_dir=package) == ["dlscratch", "dlscratch.d"]


SECTION = textwrap.dedent("""
    import numpy as np
    from .. import plotting as P

    SCALE = 2

    def train(settings, surface=None):
        \"\"\"The training.\"\"\"
        surface = settings["surface"]  # a local name, not the drawing below
        def step(x):
            return helper(x) * SCALE
        return [step(v) for v in np.arange(surface)]

    def helper(x):
        return x + 1

    def surface(tables):
        return P.grid(tables)

    def claims(tables, settings):
        return helper(len(tables))
""")


def test_a_section_is_keyed_by_what_a_job_reaches_of_it():
    reaches = lambda source, entries: [_defined(node)[0] for node in reached(ast.parse(source), entries)[1]]
    assert reaches(SECTION, ["train"]) == ["SCALE", "helper", "np", "train"]  # not the drawing "surface", not P
    assert reaches(SECTION, ["surface"]) == ["P", "surface"]
    assert reaches(SECTION, ["claims"]) == ["claims", "helper"]
    base = entries_hash(SECTION, ["train"])
    # a comment, a docstring or the drawing's code changes nothing the training runs ...
    assert entries_hash(SECTION.replace('"""The training."""', '"""Trains."""').replace("# a local", "# a"),
                        ["train"]) == base
    assert entries_hash(SECTION.replace("P.grid(tables)", "P.grid(tables, 1)"), ["train"]) == base
    # ... a helper it calls from a nested function does, and so does a constant it reads
    assert entries_hash(SECTION.replace("x + 1", "x + 2"), ["train"]) != base
    assert entries_hash(SECTION.replace("SCALE = 2", "SCALE = 3"), ["train"]) != base
    with pytest.raises(ValueError, match="no function 'fit'"):
        reached(ast.parse(SECTION), ["fit"])


def loaded_by_importing(*modules):
    """The dlscratch source files a fresh interpreter has loaded after importing ``modules``."""
    code = textwrap.dedent(f"""
        import importlib, json, sys
        for m in {list(modules)!r}:
            importlib.import_module(m)
        print(json.dumps(sorted(m.__file__ for name, m in sys.modules.items() if name.split(".")[0] == "dlscratch")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("modules", [(e.module, "dlscratch.pipeline") for e in EXPERIMENTS.values()]
                         + [("dlscratch.drawing", "dlscratch.pipeline"), ("dlscratch.claims",), ("dlscratch.index",)],
                         ids=lambda m: m[0])
def test_declared_sources_are_the_transitive_imports(modules):
    declared = source_files(*modules)
    assert sorted(declared) == loaded_by_importing(*modules)
    assert all(str(p).startswith(str(PACKAGE_DIR)) for p in declared)


@pytest.mark.pipeline
def test_every_job_ran_exactly_the_sources_its_rule_declares(small_pipeline):
    # Every module a job's code names was loaded, and every other module it loaded is one that those
    # import (a section's drawing, loaded by a training job that runs none of it): no import unseen.
    records = provenance_records(small_pipeline / "results")
    assert len(records) > 20
    for path in records:
        record = json.loads(path.read_text())
        if record.get("kind") == "entry":  # a store entry: the sources of its key, and those its job ran
            declared = [name.split(":")[0] for name in record["code"]]
            loaded = json.loads((path.parent / "job.json").read_text())["code_files"]
        else:
            declared, loaded = record["code_inputs"], record["code_loaded"]
        assert declared and set(declared) <= set(loaded), path
        static = {m.replace(".", "/") for m in modules_run(*(d.removesuffix(".py").replace("/", ".") for d in declared
                                                             if not d.endswith("__init__.py")))}
        assert {f.removesuffix(".py").removesuffix("/__init__") for f in loaded} <= static | {"dlscratch"}, path
