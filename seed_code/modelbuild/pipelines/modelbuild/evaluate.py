"""Processing step: score the model on the test set and write the evaluation report.

SageMaker contract: ``/opt/ml/processing/model/model.tar.gz`` (from training), ``/opt/ml/processing/test/test.csv``,
report ``/opt/ml/processing/evaluation/evaluation.json`` (read by the quality gate through a property file).
"""

from __future__ import annotations

import argparse
import json
import tarfile
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

BASE = Path("/opt/ml/processing")


def report(model: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """SageMaker model-quality style report: ``binary_classification_metrics.<metric>.value``."""
    features, labels = frame.iloc[:, 1:].to_numpy(), frame.iloc[:, 0].to_numpy()
    predicted = model.predict(features)
    scores = model.predict_proba(features)[:, 1]
    metrics = {"accuracy": accuracy_score(labels, predicted), "f1": f1_score(labels, predicted), "auc": roc_auc_score(labels, scores)}
    return {"binary_classification_metrics": {name: {"value": round(float(value), 6), "standard_deviation": "NaN"}
                                              for name, value in metrics.items()}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-dir", default=str(BASE))
    args = parser.parse_args(argv)
    base = Path(args.base_dir)
    with tarfile.open(base / "model" / "model.tar.gz") as archive:
        archive.extractall(base / "model", filter="data")
    result = report(joblib.load(base / "model" / "model.joblib"), pd.read_csv(base / "test" / "test.csv", header=None))
    (base / "evaluation").mkdir(parents=True, exist_ok=True)
    (base / "evaluation" / "evaluation.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
