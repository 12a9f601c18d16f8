"""Which configured variant is which of the book's: by what it is, never by its label or
its place in the list.

Every experiment that compares variants keeps them in one table of its config block,
label -> what the variant is: ``optimizers`` (label -> optimizer spec), ``cases`` (label ->
activation and weight std), ``inits`` (label -> weight std), ``lambdas`` (a list of weight
decay values, each its own label). The labels are the user's; a figure or a claim asks
for a variant by its *meaning* (an optimizer name, an (activation, weight std) pair, a
weight std, a lambda) and gets the first label that has it.
"""

import math
import numbers

STD_ALIASES = {"sigmoid": "xavier", "relu": "he"}  # the book's synonyms (dlscratch.network.init_std)


def std_meaning(weight_std):
    """A weight std as compared: a float, or 'xavier' / 'he' (aliases folded, any case)."""
    if isinstance(weight_std, numbers.Real) and not isinstance(weight_std, bool):
        return float(weight_std)
    key = str(weight_std).lower()
    return STD_ALIASES.get(key, key)


def meaning(key, label, value):
    """What the variant ``label`` of the table ``key`` is (``value`` is its entry)."""
    if key == "optimizers":
        return str(value["name"]).lower()
    if key == "cases":
        return (value["activation"], std_meaning(value["weight_std"]))
    if key == "inits":
        return std_meaning(value)
    if key == "lambdas":
        return float(value)
    raise ValueError(f"no variant table {key!r}")


def entries(key, table):
    """(label, value) of every variant of a variant table (a mapping, or the lambdas list)."""
    return [(v, v) for v in table] if key == "lambdas" else list(table.items())


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def find(key, table, wanted):
    """The label of the first variant of ``table`` that is ``wanted``, or None."""
    for label, value in entries(key, table):
        if same(meaning(key, label, value), wanted):
            return label
    return None


def describe(key, wanted):
    """A meaning in words, for messages: 'adagrad', 'sigmoid with weight std 1', 'λ = 0'."""
    if key == "optimizers":
        return wanted
    if key == "cases":
        return f"{wanted[0]} with weight std {wanted[1]:g}" if isinstance(wanted[1], float) else \
            f"{wanted[0]} with {wanted[1]} weights"
    if key == "inits":
        return f"weight std {wanted:g}" if isinstance(wanted, float) else f"{wanted} weights"
    return f"λ = {wanted:g}"
