"""Trains a churn model. The step that wants a bigger machine runs on a step operator."""

import math
from typing import Dict, List

from zenml import step

FEATURES = ("tenure_months", "monthly_spend", "support_calls")


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@step(step_operator="sagemaker")
def train_model(
    rows: List[Dict[str, float]],
    epochs: int = 300,
    learning_rate: float = 0.05,
) -> Dict[str, float]:
    """Logistic regression by batch gradient descent on standardised features."""
    means = {f: sum(r[f] for r in rows) / len(rows) for f in FEATURES}
    scales = {
        f: math.sqrt(sum((r[f] - means[f]) ** 2 for r in rows) / len(rows)) or 1.0
        for f in FEATURES
    }
    weights = {f: 0.0 for f in FEATURES}
    bias = 0.0
    for epoch in range(epochs):
        grad_w = {f: 0.0 for f in FEATURES}
        grad_b = 0.0
        loss = 0.0
        for r in rows:
            x = {f: (r[f] - means[f]) / scales[f] for f in FEATURES}
            p = _sigmoid(bias + sum(weights[f] * x[f] for f in FEATURES))
            y = r["churned"]
            loss -= y * math.log(p + 1e-12) + (1 - y) * math.log(1 - p + 1e-12)
            for f in FEATURES:
                grad_w[f] += (p - y) * x[f]
            grad_b += p - y
        for f in FEATURES:
            weights[f] -= learning_rate * grad_w[f] / len(rows)
        bias -= learning_rate * grad_b / len(rows)
        if epoch % 100 == 0 or epoch == epochs - 1:
            print(f"epoch {epoch:4d}  loss {loss / len(rows):.4f}")
    model = {"bias": bias}
    model.update({f"w_{f}": weights[f] for f in FEATURES})
    model.update({f"mean_{f}": means[f] for f in FEATURES})
    model.update({f"scale_{f}": scales[f] for f in FEATURES})
    return model
