"""Steps per second of one training step (forward + backward + SGD update) of the
784-100-100-100-100-10 ReLU net at batch 128, in float32 and float64.

Usage: python benchmarks/step_speed.py [--seconds 3]   (benchmarks/run.py prints this and more)
Run it with the machine otherwise idle; BLAS threads are reported (threadpoolctl).
"""

import argparse
import time

import numpy as np

from dlscratch.network import MultiLayerNet
from dlscratch.optimizers import SGD


def steps_per_second(dtype, seconds=3.0, batch=128, windows=5):
    """(best, median) steps per second over ``windows`` windows of ``seconds / windows``.

    On a shared virtual machine a neighbour can steal a CPU for a while (two-thread
    runs here varied from 700 to 1,300 steps/s); the best window is the idle machine's
    rate, the median what a run met.
    """
    rng = np.random.default_rng(0)
    net = MultiLayerNet(784, [100] * 4, 10, rng=rng, dtype=dtype)
    x = rng.random((batch * 50, 784)).astype(dtype)
    t = rng.integers(0, 10, batch * 50)
    opt = SGD(lr=0.01)
    for _ in range(20):  # warm-up
        opt.update(net.params, net.gradient(x[:batch], t[:batch]))
    rates, n = [], 0
    for _ in range(windows):
        start, steps = time.perf_counter(), 0
        while time.perf_counter() - start < seconds / windows:
            lo = (n % 50) * batch
            opt.update(net.params, net.gradient(x[lo : lo + batch], t[lo : lo + batch]))
            n += 1
            steps += 1
        rates.append(steps / (time.perf_counter() - start))
    return max(rates), float(np.median(rates))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        threadpool_info = threadpool_limits = None
    configs = [(None, "default threads")]
    if threadpool_limits is not None:
        info = threadpool_info()
        print("BLAS:", ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads, {i.get('architecture')})" for i in info))
        configs.append((1, "1 BLAS thread"))
    print(f"{'dtype':8} {'threads':16} {'best':>6} {'median':>7}  steps/s")
    for limit, label in configs:
        for dtype in (np.float32, np.float64):
            if limit is None:
                sps = steps_per_second(dtype, args.seconds)
            else:
                with threadpool_limits(limits=limit):
                    sps = steps_per_second(dtype, args.seconds)
            print(f"{np.dtype(dtype).name:8} {label:16} {sps[0]:6.0f} {sps[1]:7.0f}")


if __name__ == "__main__":
    main()
