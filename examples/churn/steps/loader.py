"""Loads the customer table."""

import csv
from pathlib import Path
from typing import Dict, List

from zenml import step

DATA = Path(__file__).resolve().parents[2] / "data" / "customers.csv"


@step
def load_customers(path: str = str(DATA)) -> List[Dict[str, float]]:
    """Reads the CSV into rows of floats; the id column is dropped."""
    with open(path, newline="") as handle:
        rows = [
            {key: float(value) for key, value in row.items() if key != "customer_id"}
            for row in csv.DictReader(handle)
        ]
    print(f"loaded {len(rows)} customers from {path}")
    return rows
