"""Writes the model's report card. It names the Vertex AI operator: a small job there is enough."""

from typing import Dict

from zenml import step


@step(step_operator="vertex")
def report(model: Dict[str, float], accuracy: float) -> str:
    """The accuracy and the weight of each feature, strongest first."""
    weights = {k[2:]: v for k, v in model.items() if k.startswith("w_")}
    lines = [f"accuracy {accuracy:.3f}"]
    strongest = sorted(weights.items(), key=lambda kv: -abs(kv[1]))
    lines += [f"{name:<15} {weight:+.4f}" for name, weight in strongest]
    text = "\n".join(lines)
    print(text)
    return text
