"""The chapter, one module per section, and one per study beyond the book.

Each module holds what its section is: its experiments' training, its figures' drawing
and its claims, and ends with its declaration (``SECTION = Section(...)``, the words of
``dlscratch.declare``). ``dlscratch.registry`` finds every module here and reads those
declarations; nothing else lists them. To add an experiment, add it to its section's module
(or add a module): README, "Adding an experiment".

- ``optimizers``      6.1 Parameter updates: f(x, y) = x²/20 + y², paths on it, optimizers on MNIST
- ``initialization``  6.2 Initial weights: activation histograms, initial weights on MNIST
- ``batchnorm``       6.3 Batch Normalization
- ``regularization``  6.4 Regularization: overfitting, weight decay, Dropout
- ``search``          6.5 Hyperparameter validation: random search
- ``study_*``         the studies beyond the book (`snakemake studies`)
"""
