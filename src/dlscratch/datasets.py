"""Real MNIST, offline, verified.

The four IDX files (gzip) live in ``resources/mnist/``. Every load checks the SHA-256
of the *decompressed* content against the published values, so a truncated, altered
or substituted file is refused with an error that names it and says how to restore it from
the copy this project ships. Parsed arrays are cached as ``.npy`` files (in
``<data_dir>/cache`` unless told otherwise), each under the SHA-256 of the ``.gz`` file it
was parsed from: a ``.gz`` that is not the one the cache was made from is read and verified
again (so an altered file is refused even when a valid cache lies beside it), and the
cached array is re-hashed against the published checksum before use, so a stale or damaged
cache is rebuilt, never used. ``check_unchanged`` tells a job whether the files it read are
still those it verified.
"""

import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np

from .atomic import OutputError, atomic_writer

# The repository's committed copy; DLSCRATCH_MNIST_DIR points elsewhere if needed.
DEFAULT_DATA_DIR = Path(
    os.environ.get("DLSCRATCH_MNIST_DIR", Path(__file__).resolve().parents[2] / "resources" / "mnist")
)

# name -> (file, IDX magic, decompressed bytes, SHA-256 of the decompressed content)
FILES = {
    "train_img": ("train-images-idx3-ubyte.gz", 2051, 47_040_016,
                  "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train_label": ("train-labels-idx1-ubyte.gz", 2049, 60_008,
                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "test_img": ("t10k-images-idx3-ubyte.gz", 2051, 7_840_016,
                 "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "test_label": ("t10k-labels-idx1-ubyte.gz", 2049, 10_008,
                   "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}

# where this project's verified copy lies (a user's own mnist_dir is restored from it)
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "resources" / "mnist"


def fix_hint(path):
    """How to restore the MNIST file ``path``: from a clean checkout when it is the project's
    own copy, else from that copy, into the directory actually in use."""
    path = Path(path)
    shipped = SHIPPED_DIR / path.name
    try:
        own = path.resolve() == shipped.resolve()
    except OSError:
        own = False
    if own:
        return f"restore it from a clean checkout (`git checkout -- {os.path.relpath(SHIPPED_DIR)}`)"
    return (f"copy the verified file this project ships over it (`cp {os.path.relpath(shipped)} {path}`), or point "
            f"mnist_dir back at {os.path.relpath(SHIPPED_DIR)}")


# {path of a .gz read: its SHA-256 then} of the files this process loaded
READ = {}


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def check_unchanged():
    """[(path, what happened)] of the MNIST files this process read that are no longer the
    bytes it verified when it read them."""
    changed = []
    for path, digest in READ.items():
        try:
            now = file_sha256(path)
        except OSError as error:
            changed.append((path, f"unreadable ({error.strerror})"))
            continue
        if now != digest:
            changed.append((path, "changed since this job read and verified it"))
    return changed


class MnistDataError(RuntimeError):
    """A missing, truncated, altered or malformed MNIST file."""


def _idx_header(array, magic):
    dims = array.shape
    return struct.pack(">" + "I" * (1 + len(dims)), magic, *dims)


def _parse_idx(content, magic, path):
    if len(content) < 8:
        raise MnistDataError(f"{path}: only {len(content)} bytes, too short for an IDX header; {fix_hint(path)}")
    found = struct.unpack(">I", content[:4])[0]
    if found != magic:
        raise MnistDataError(f"{path}: IDX magic number {found}, expected {magic}; {fix_hint(path)}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, content[4 : 4 + 4 * ndim])
    data = np.frombuffer(content, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise MnistDataError(f"{path}: truncated or padded: header says {dims} but holds {data.size} values; {fix_hint(path)}")
    return data.reshape(dims)


def _read_verified(data_dir, name):
    filename, magic, size, sha = FILES[name]
    path = Path(data_dir) / filename
    if not path.is_file():
        raise MnistDataError(f"{path}: MNIST file missing; {fix_hint(path)}")
    try:
        with gzip.open(path, "rb") as f:
            content = f.read()
    except (OSError, EOFError) as exc:
        raise MnistDataError(f"{path}: not a readable gzip file ({exc}); {fix_hint(path)}") from exc
    array = _parse_idx(content, magic, path)  # a wrong kind of file fails here, by name
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha:
        detail = f"{len(content)} bytes, expected {size}" if len(content) != size else "altered content"
        raise MnistDataError(
            f"{path}: SHA-256 of the decompressed content is {digest}, expected {sha} ({detail}); {fix_hint(path)}"
        )
    return array


def _cache_is_valid(array, name):
    _, magic, _, sha = FILES[name]
    h = hashlib.sha256(_idx_header(array, magic))
    h.update(np.ascontiguousarray(array).data)
    return h.hexdigest() == sha


def load_raw(data_dir=None, cache_dir=None):
    """The four MNIST arrays as uint8, verified: a dict with keys of ``FILES``."""
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    cache_dir = Path(cache_dir) if cache_dir is not None else data_dir / "cache"
    arrays = {}
    for name in FILES:
        path = data_dir / FILES[name][0]
        try:
            source = file_sha256(path)
        except FileNotFoundError:
            raise MnistDataError(f"{path}: MNIST file missing; {fix_hint(path)}") from None
        except OSError as error:
            raise MnistDataError(f"{path}: unreadable ({error.strerror}); fix its permissions "
                                 f"(`chmod u+r {path}`)") from None
        # the cache of exactly this .gz file
        cached = cache_dir / f"{name}.{source[:16]}.npy"
        array = None
        if cached.is_file():
            try:
                array = np.load(cached, allow_pickle=False)
            except (OSError, ValueError):
                array = None
            if array is not None and (array.dtype != np.uint8 or not _cache_is_valid(array, name)):
                array = None
        if array is None:
            array = _read_verified(data_dir, name)
            try:
                with atomic_writer(cached) as f:
                    np.save(f, array)
                for old in cache_dir.glob(f"{name}.*npy"):  # caches of other files, and of the old layout
                    if old != cached:
                        old.unlink(missing_ok=True)
            except (OutputError, OSError):
                pass  # a read-only checkout still loads, just without a cache
        READ[str(path)] = source
        arrays[name] = array
    return arrays


def load_mnist(normalize=True, flatten=True, one_hot_label=False, dtype=np.float32,
               data_dir=None, cache_dir=None):
    """``(x_train, t_train), (x_test, t_test)`` as the book's ``load_mnist``.

    Images are ``dtype`` scaled to [0, 1] when ``normalize`` (else the raw 0..255
    values), of shape (N, 784) when ``flatten`` else (N, 1, 28, 28). Labels are class
    indices (int64), or one-hot rows when ``one_hot_label``.
    """
    raw = load_raw(data_dir, cache_dir)

    def images(a):
        x = a.astype(dtype)
        if normalize:
            x /= 255.0
        return x.reshape(len(a), -1) if flatten else x.reshape(len(a), 1, 28, 28)

    def labels(a):
        t = a.astype(np.int64)
        return np.eye(10, dtype=dtype)[t] if one_hot_label else t

    return ((images(raw["train_img"]), labels(raw["train_label"])),
            (images(raw["test_img"]), labels(raw["test_label"])))
