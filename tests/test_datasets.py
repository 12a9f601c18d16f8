"""Real MNIST: shapes, dtypes, ranges, label counts; checksum and format failures."""

import gzip
import os
import shutil

import numpy as np
import pytest

from dlscratch.datasets import (DEFAULT_DATA_DIR, FILES, READ, MnistDataError, check_unchanged, fix_hint, load_mnist,
                                load_raw)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_shapes_dtypes_and_range(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and t_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert x_test.min() == 0.0 and x_test.max() == 1.0
    # the first training image is a 5, with 166 non-zero pixels
    assert t_train[0] == 5 and np.count_nonzero(x_train[0]) == 166


def test_label_counts_per_digit(mnist):
    (_, t_train), (_, t_test) = mnist
    assert np.bincount(t_train).tolist() == TRAIN_COUNTS
    assert np.bincount(t_test).tolist() == TEST_COUNTS


def test_book_options():
    (x, t), (xt, tt) = load_mnist(normalize=False, flatten=False, one_hot_label=True, dtype=np.float64)
    assert x.shape == (60000, 1, 28, 28) and x.max() == 255.0 and x.dtype == np.float64
    assert t.shape == (60000, 10) and (t.sum(axis=1) == 1).all()
    assert tt.argmax(axis=1).tolist()[:5] == [7, 2, 1, 0, 4]


@pytest.fixture
def copy_dir(tmp_path):
    for filename, *_ in FILES.values():
        shutil.copy(DEFAULT_DATA_DIR / filename, tmp_path / filename)
    return tmp_path


def rewrite_labels(path, change):
    with gzip.open(path, "rb") as f:
        content = bytearray(f.read())
    change(content)
    with gzip.open(path, "wb") as f:
        f.write(bytes(content))


def test_altered_content_names_the_file(copy_dir):
    path = copy_dir / "t10k-labels-idx1-ubyte.gz"
    rewrite_labels(path, lambda c: c.__setitem__(100, (c[100] + 1) % 10))
    with pytest.raises(MnistDataError, match=r"t10k-labels-idx1-ubyte\.gz.*SHA-256.*altered"):
        load_raw(copy_dir)


def test_truncated_file_names_the_file(copy_dir):
    path = copy_dir / "train-labels-idx1-ubyte.gz"
    rewrite_labels(path, lambda c: c.__delitem__(slice(30000, None)))
    with pytest.raises(MnistDataError, match=r"train-labels-idx1-ubyte\.gz: truncated.*holds 29992 values"):
        load_raw(copy_dir)


def test_truncated_gzip_stream(copy_dir):
    path = copy_dir / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(MnistDataError, match=r"t10k-labels-idx1-ubyte\.gz"):
        load_raw(copy_dir)


def test_missing_file_says_what_to_do(copy_dir):
    (copy_dir / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(MnistDataError, match=r"t10k-images-idx3-ubyte\.gz.*missing.*resources/mnist"):
        load_raw(copy_dir)


def cache_file(directory, name):
    (cached,) = (directory / "cache").glob(f"{name}.*.npy")  # named by the .gz it was parsed from
    return cached


def test_stale_cache_is_rebuilt_not_trusted(copy_dir):
    load_raw(copy_dir)  # builds the cache
    cached = cache_file(copy_dir, "test_label")
    labels = np.load(cached)
    tampered = labels.copy()
    tampered[:10] = 0
    np.save(cached, tampered)
    (_, _), (_, t_test) = load_mnist(data_dir=copy_dir)
    np.testing.assert_array_equal(t_test, labels)
    np.testing.assert_array_equal(np.load(cached), labels)  # rewritten


def test_garbage_cache_is_rebuilt(copy_dir):
    load_raw(copy_dir)
    cache_file(copy_dir, "train_label").write_bytes(b"not a numpy file")
    assert np.bincount(load_raw(copy_dir)["train_label"]).tolist() == TRAIN_COUNTS


def test_wrong_magic_number_names_the_file(copy_dir):
    shutil.copy(copy_dir / "t10k-labels-idx1-ubyte.gz", copy_dir / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(MnistDataError, match=r"t10k-images-idx3-ubyte\.gz: IDX magic number 2049, expected 2051"):
        load_raw(copy_dir)


def test_a_cache_is_used_only_for_the_file_it_was_made_from(copy_dir):
    load_raw(copy_dir)
    cached = cache_file(copy_dir, "test_label")
    # one altered label, compressed again: a valid cache lies beside it, and is not used
    path = copy_dir / "t10k-labels-idx1-ubyte.gz"
    rewrite_labels(path, lambda c: c.__setitem__(100, (c[100] + 1) % 10))
    with pytest.raises(MnistDataError, match=r"t10k-labels-idx1-ubyte\.gz: SHA-256 .*altered content.*`cp "):
        load_raw(copy_dir)
    assert cached.exists()
    # a missing file is refused too, whatever the cache holds
    path.unlink()
    with pytest.raises(MnistDataError, match=r"t10k-labels-idx1-ubyte\.gz: MNIST file missing"):
        load_raw(copy_dir)


def test_the_remedy_names_the_directory_in_use_and_the_projects_copy(copy_dir):
    path = copy_dir / "train-labels-idx1-ubyte.gz"
    rewrite_labels(path, lambda c: c.__setitem__(100, (c[100] + 1) % 10))
    with pytest.raises(MnistDataError) as caught:
        load_raw(copy_dir)
    message = str(caught.value)
    assert f"(`cp {os.path.relpath(DEFAULT_DATA_DIR / path.name)} {path}`)" in message
    assert "shared/data" not in message
    own = fix_hint(DEFAULT_DATA_DIR / path.name)
    assert own == f"restore it from a clean checkout (`git checkout -- {os.path.relpath(DEFAULT_DATA_DIR)}`)"


def test_a_job_is_told_when_a_file_it_read_changes(copy_dir):
    READ.clear()  # what this process read before
    load_raw(copy_dir)
    assert check_unchanged() == []
    path = copy_dir / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes() + b"\0")
    assert check_unchanged() == [(str(path), "changed since this job read and verified it")]
    READ.clear()
