"""Figure captions: Jinja templates filled from the settings a figure is drawn with.

A template (``dlscratch.registry.Figure.caption``) sees ``settings`` (its experiment's
config block), ``variants`` (what the figure shows), ``seeds``, ``band`` (whether it is
the several-seed companion) and whatever its drawing function found in the data (Fig 6-18:
the weight std it chose). The plot job renders it, so a caption always states the run
that drew the figure.
"""

import functools

import jinja2

from .optimizers import hyperparameters
from .text import plural


def hyper(spec):
    """An optimizer spec in words, defaults filled in: 'momentum, lr 0.01, momentum 0.9'."""
    spec = dict(spec)
    name = spec.pop("name")
    return ", ".join([name] + [f"{k} {v:g}" for k, v in hyperparameters(name, **spec).items()])


_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
_JINJA.filters["hyper"] = hyper
_JINJA.filters["plural"] = plural
_JINJA.filters["activation"] = lambda case, settings: settings["cases"][case]["activation"]


@functools.cache
def _template(text):
    return _JINJA.from_string(" ".join(text.split()))  # the template's line breaks, not the labels'


def label(number):
    """How a figure is named: 'Fig 6-9' for a chapter figure, its number for a study ('Study 2')."""
    return f"Fig {number}" if number[:1].isdigit() else number


def render(number, title, template, **context):
    """'Fig <number>: <title>. <the template, filled from context>' ('Study 1a: ...' for a study)."""
    text = f"{label(number)}: {title}. " + _template(template).render(**context)
    # what the drawing had to change to show the data (an axis grown past the chapter's range)
    return text + (" " + context["axis"] if context.get("axis") else "")


# Pieces of caption templates that several sections' figures share.
SEED = ("{% if band %}Mean line and min–max band over {{ seeds | length | plural('seed') }} ({{ seeds | join(', ') }})."
        "{% else %}Seed {{ seeds[0] }}.{% endif %}")
LOSS = (
    "Training loss per iteration, smoothed with the book's smooth_curve, of a "
    "784-{{ settings.hidden_sizes | join('-') }}-10 network on the first {{ settings.train_size }} MNIST images, "
    "batch {{ settings.batch_size }}, {{ settings.iterations }} iterations. ")
PAIRED = (" Every variant starts from the same standard normals and sees the same minibatches; the loss of an "
          "iteration is measured on its batch after the update. " + SEED)
STUDY_SEEDS = "{{ seeds | length | plural('seed') }} ({{ seeds | join(', ') }}): mean line and min–max band."

