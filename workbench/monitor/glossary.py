"""The Monitor page's terms in one plain sentence each, for a person who has never run a statistical test.

Shown beside the first place each term appears (a caption or a ``help=`` tooltip); kept here so the
page, its controllers and the CLI say the same thing.
"""

from __future__ import annotations

TERMS: dict[str, str] = {
    "ks": ("Kolmogorov-Smirnov and chi-squared are standard tests of whether two sets of values (here the "
           "reference data and one window of traffic) could come from the same source: Kolmogorov-Smirnov "
           "compares the shape of a number's values, chi-squared the shares of each category."),
    "p_value": ("A p-value is the chance of seeing a difference this large if nothing had changed: 0.5 is an "
                "ordinary difference, 0.001 one that chance alone would give once in a thousand windows."),
    "bonferroni": ("Bonferroni correction: testing many features at once makes a low p-value by chance likely, "
                   "so the usual 0.05 is divided by the number of features tested before a feature counts "
                   "as drifted."),
    "outlier_score": ("The distance of a request is how far its inputs lie from the nearest rows of the data the "
                      "model learned from (each feature measured in its own spread there): the higher, the "
                      "stranger. A request is an outlier when it lies farther than 99% of that data lies from "
                      "its own neighbours."),
    "estimated_accuracy": ("Accuracy estimated without labels (CBPE, confidence-based performance estimation): "
                           "if the model is 90% sure of each answer and its confidence is honest, about 9 in 10 "
                           "answers are right, so the estimate is the window's average confidence."),
    "reward": ("Seldon's feedback reward is the number other applications (or the workbench) send to Seldon's "
               "feedback endpoint with each verdict, usually 1 for a right answer and 0 for a wrong one; "
               "Prometheus keeps its running total."),
}


def explain(*keys: str) -> str:
    """The sentences of ``keys``, in order, as one paragraph."""
    return " ".join(TERMS[k] for k in keys)
