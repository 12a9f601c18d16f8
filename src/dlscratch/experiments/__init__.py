"""The chapter's experiments, one module per section.

Every experiment is a function ``run(settings, data, seed) -> {table name: DataFrame}``:

- ``settings`` is its block of the config (``config/config.yaml``), or a part of it when
  the pipeline splits the work into several jobs (see ``dlscratch.registry``);
- ``data`` is MNIST as ``((x_train, t_train), (x_test, t_test))``, or None for the
  experiments that use none;
- ``seed`` is the integer every random stream of the run derives from
  (``dlscratch.seeding``), None for the deterministic ones.

Each returned table is tidy (long format) and already carries its ``seed`` column (when
seeded) and its variant column (optimizer, init, case, model, weight_decay, ...). The
Snakemake scripts only pass settings in and write the tables out.

Modules: ``optimizers`` (6.1), ``initialization`` (6.2), ``batchnorm`` (6.3),
``regularization`` (6.4), ``search`` (6.5); ``common`` holds the paired training.
"""
