"""Scores the trained model."""

import math
from typing import Dict, List

from zenml import step

from .trainer import FEATURES


@step
def evaluate_model(model: Dict[str, float], rows: List[Dict[str, float]]) -> float:
    """Accuracy of the model at a 0.5 threshold."""
    correct = 0
    for r in rows:
        z = model["bias"] + sum(
            model[f"w_{f}"] * (r[f] - model[f"mean_{f}"]) / model[f"scale_{f}"] for f in FEATURES
        )
        predicted = 1.0 if 1.0 / (1.0 + math.exp(-z)) >= 0.5 else 0.0
        correct += predicted == r["churned"]
    accuracy = correct / len(rows)
    print(f"accuracy {accuracy:.3f} on {len(rows)} customers")
    return accuracy
