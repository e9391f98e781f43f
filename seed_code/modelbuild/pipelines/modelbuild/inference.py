"""Inference handlers for the scikit-learn serving container (packed into the model by the Register step).

Contract: ``model_fn`` loads ``model.joblib`` from the model directory; requests are CSV rows of features
(no target column); the response is one probability of the positive class per row, as CSV.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import joblib
import numpy as np

CSV = "text/csv"


def model_fn(model_dir: str) -> Any:
    return joblib.load(Path(model_dir) / "model.joblib")


def input_fn(body: str | bytes, content_type: str = CSV) -> np.ndarray:
    if content_type != CSV:
        raise ValueError(f"unsupported content type {content_type!r}; send {CSV}")
    text = body.decode() if isinstance(body, bytes) else body
    return np.atleast_2d(np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2))


def predict_fn(features: np.ndarray, model: Any) -> np.ndarray:
    return model.predict_proba(features)[:, 1]


def output_fn(prediction: np.ndarray, accept: str = CSV) -> str:
    if accept not in (CSV, "*/*"):
        raise ValueError(f"unsupported accept type {accept!r}; ask for {CSV}")
    return "\n".join(f"{value:.6f}" for value in prediction)
