"""The churn pipeline: load, train (on a step operator), evaluate, report (on another)."""

from zenml import pipeline

from .steps.evaluator import evaluate_model
from .steps.loader import load_customers
from .steps.reporter import report
from .steps.trainer import train_model


@pipeline
def churn_pipeline(epochs: int = 300):
    rows = load_customers()
    model = train_model(rows, epochs=epochs)
    accuracy = evaluate_model(model, rows)
    report(model, accuracy)


if __name__ == "__main__":
    churn_pipeline()
