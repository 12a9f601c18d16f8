"""Named, independent random streams from one integer seed.

``generator(seed, "batchnorm", "init")`` always gives the same stream for the same
names, and a statistically independent one for other names, so each experiment and
each role inside it (initial weights, minibatches, dropout masks, trial sampling)
draws from its own stream. Two variants built from the same names share their draws:
that is how paired comparisons get identical initial weights and batches.
"""

import zlib

import numpy as np


def generator(seed, *names):
    keys = [int(seed)] + [zlib.crc32(str(name).encode()) for name in names]
    return np.random.default_rng(np.random.SeedSequence(keys))
