import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def small_pipeline(tmp_path_factory):
    """The whole pipeline run once on config/test.yaml (--cores 4) in a temporary copy."""
    import time

    from snakemake_runner import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("pipeline"))
    start = time.perf_counter()
    snakemake(workdir, cores=4)
    print(f"small pipeline: {time.perf_counter() - start:.1f} s")
    return workdir
