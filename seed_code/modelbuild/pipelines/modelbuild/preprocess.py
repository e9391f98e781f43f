"""Processing step: split the labelled CSV into train/validation/test sets.

SageMaker contract: input ``/opt/ml/processing/input/data.csv`` (``target`` column, features after it),
outputs ``/opt/ml/processing/{train,validation,test}/*.csv`` with the target first and no header.
Only the standard library, pandas and scikit-learn (the SageMaker scikit-learn image).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

BASE = Path("/opt/ml/processing")
TARGET = "target"


def split(frame: pd.DataFrame, seed: int = 42) -> dict[str, pd.DataFrame]:
    """70/15/15 split, stratified on the target, target column first."""
    if TARGET not in frame.columns:
        raise ValueError(f"input has no {TARGET!r} column (columns: {', '.join(frame.columns[:5])}...)")
    if frame.isna().any().any():
        raise ValueError("input has missing values")
    ordered = frame[[TARGET, *[c for c in frame.columns if c != TARGET]]]
    train, rest = train_test_split(ordered, test_size=0.3, random_state=seed, stratify=ordered[TARGET])
    validation, test = train_test_split(rest, test_size=0.5, random_state=seed, stratify=rest[TARGET])
    return {"train": train, "validation": validation, "test": test}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-dir", default=str(BASE))
    args = parser.parse_args(argv)
    base = Path(args.base_dir)
    for name, part in split(pd.read_csv(base / "input" / "data.csv")).items():
        (base / name).mkdir(parents=True, exist_ok=True)
        part.to_csv(base / name / f"{name}.csv", header=False, index=False)
        print(f"{name}: {len(part)} rows")


if __name__ == "__main__":
    main()
