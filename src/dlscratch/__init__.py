"""dlscratch: Chapter 6 of *Deep Learning from Scratch*, from scratch in numpy.

Modules, each readable in one sitting:

- ``functions``   softmax, cross-entropy, activations as plain functions
- ``layers``      Affine, Relu, Sigmoid, Tanh, SoftmaxWithLoss, BatchNormalization, Dropout
- ``optimizers``  SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam and ``make_optimizer``
- ``network``     MultiLayerNet (the book's MultiLayerNet and MultiLayerNetExtend in one)
- ``gradient``    numerical gradients and relative errors (for gradient checks)
- ``trainer``     minibatch schedules and the training loop
- ``datasets``    real MNIST, offline, checksum-verified
- ``smoothing``   the book's ``smooth_curve``
"""

__version__ = "0.1.0"
