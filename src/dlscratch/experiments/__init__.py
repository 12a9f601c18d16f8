"""The chapter's experiments as functions returning tidy pandas tables.

One module per section: ``optimizers`` (6.1), ``initialization`` (6.2),
``batchnorm`` (6.3), ``regularization`` (6.4), ``search`` (6.5). The Snakemake scripts
only pass configuration in and write the returned tables out.
"""
