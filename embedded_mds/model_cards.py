"""The static text of the demo models' cards, written with their metrics to ``cards/<name>.json``.

``metrics`` are not here: they are computed on a held-out split at training time.
"""

from __future__ import annotations

from typing import Any

MODEL_CARDS: dict[str, dict[str, Any]] = {
    "wine": {
        "description": "Predicts the cultivar of an Italian wine from 13 chemical measurements.",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating multiclass prediction, explanation and drift monitoring.",
        "limitations": "178 wines from one region of Italy; not a tool for real wine analysis.",
        "training_data": "scikit-learn wine data set (UCI Wine), 75% stratified training split.",
        "tags": ["demo", "classification", "tabular"],
    },
    "tips": {
        "description": "Predicts whether a restaurant bill gets a generous tip (16% or more).",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating mixed numeric, categorical and boolean inputs.",
        "limitations": "244 bills from one waiter in the 1990s; the target is noisy.",
        "training_data": "Plotly's tips data set, 75% stratified training split.",
        "tags": ["demo", "classification", "tabular", "mixed-types"],
    },
    "tip-amount": {
        "description": "Estimates the tip in dollars for a restaurant bill.",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating regression on mixed numeric and categorical inputs.",
        "limitations": "244 bills from one waiter in the 1990s; errors of about a dollar.",
        "training_data": "Plotly's tips data set, 75% training split.",
        "tags": ["demo", "regression", "tabular", "mixed-types"],
    },
    "digits": {
        "description": "Recognises a handwritten digit in an 8x8 greyscale image.",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating tensor (image) inputs.",
        "limitations": "8x8 images with pixel values 0..16 only, as in the UCI digits set.",
        "training_data": "scikit-learn digits data set (UCI), 75% stratified training split.",
        "tags": ["demo", "classification", "image"],
    },
}
MODEL_CARDS["iris"] = {
    "description": "Predicts the species of an iris flower from four measurements; runs on NVIDIA Triton.",
    "owner": "workbench-demo",
    "intended_use": "Demonstrating a model served by NVIDIA Triton (Python backend) over REST and gRPC, answering "
                    "its own label beside the probabilities.",
    "limitations": "150 flowers of three species, measured in the 1930s; not a tool for identifying plants.",
    "training_data": "scikit-learn iris data set (Fisher, UCI), 75% stratified training split.",
    "tags": ["demo", "classification", "tabular", "triton"],
}
MODEL_CARDS["wine-v1"] = {
    **MODEL_CARDS["wine"],
    "description": "The wine cultivar classifier served as a Seldon Core v1 microservice.",
    "tags": ["demo", "classification", "tabular", "seldon-v1"],
}
