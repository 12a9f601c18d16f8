"""What a figure chooses from the data, so that its claim can choose the same.

Fig 6-18 shows one weight scale of the BatchNorm grid; which one is decided from the
accuracy tables of every seed by ``panel_choice``, which the plot and the claims table
both call.
"""

import pandas as pd

def panel_choice(accuracy, settings):
    """The weight std of Fig 6-18, from the ``accuracy`` tables of every seed.

    With ``settings["single_panel_std_index"]`` set, that std. Otherwise the rule: among the
    stds at which the plain net learns (its final training accuracy is above chance, the
    table's ``chance``: always answering the most frequent class, in every seed), the one
    with the largest BatchNorm advantage in mean training accuracy over the epochs (averaged
    over seeds). Returns (std_index or None when no std satisfies the rule,
    how it was chosen in words, and a per-std table: std_index, weight_std, plain_learns,
    advantage, with advantage the BN - plain mean accuracy over epochs, per seed as columns
    ``advantage_<seed>`` and their mean ``advantage``).
    """
    means = accuracy.groupby(["seed", "std_index", "weight_std", "model"])["train_acc"].mean().unstack("model")
    per_seed = (means["batchnorm"] - means["plain"]).unstack("seed")
    final = accuracy[accuracy["epoch"] == accuracy["epoch"].max()]
    plain = final[final["model"] == "plain"].pivot(index=["std_index", "weight_std"], columns="seed",
                                                   values="train_acc")
    chance = float(accuracy["chance"].max())
    table = pd.DataFrame({"plain_learns": (plain.fillna(0.0) > chance).all(axis=1),
                          "advantage": per_seed.mean(axis=1)})
    for seed in per_seed.columns:
        table[f"advantage_{seed}"] = per_seed[seed]
    table = table.reset_index()
    index = settings.get("single_panel_std_index")
    if index is not None:
        return int(index), f"set by batchnorm.single_panel_std_index = {index}", table
    learners = table[table["plain_learns"]]
    rule = (f"chosen by rule: among the stds at which the plain net learns (its final training accuracy is above "
            f"chance, {chance:.3g}, the share of the most frequent class, in every seed), the one where BatchNorm's "
            "mean training accuracy over the epochs is furthest ahead")
    if learners.empty:
        return None, rule, table
    return int(learners.loc[learners["advantage"].idxmax(), "std_index"]), rule, table
