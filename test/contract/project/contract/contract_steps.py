"""Steps the StepOperator contract suite runs on every backend."""
import time

from zenml import step


@step
def count(lines: int = 5, pause: float = 0.0) -> int:
    for i in range(lines):
        print("count %d" % i, flush=True)
        if pause:
            time.sleep(pause)
    return lines


@step
def fails() -> None:
    raise ValueError("contract failure")


@step
def sleeps(seconds: float = 60) -> None:
    print("sleeping", flush=True)
    time.sleep(seconds)
