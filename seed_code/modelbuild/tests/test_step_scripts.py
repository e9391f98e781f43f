# Generated from the platform repository by `mlops synth --export-templates`; do not edit.
"""Step scripts run unchanged on a laptop: real data (scikit-learn's bundled breast-cancer set), real model, real metrics."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from pipelines.modelbuild import evaluate, preprocess, train


def _dataset(shuffle_labels: bool = False) -> pd.DataFrame:
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns={"target": "target"})
    if shuffle_labels:
        frame["target"] = np.random.default_rng(0).permutation(frame["target"].to_numpy())
    return frame


def _run_steps(base: Path, frame: pd.DataFrame) -> dict:
    """preprocess → train → (SageMaker's model.tar.gz) → evaluate, with the container folder layout."""
    (base / "input").mkdir(parents=True)
    frame.to_csv(base / "input" / "data.csv", index=False)
    preprocess.main(["--base-dir", str(base)])
    model_dir = base / "model-out"
    train.main(["--train", str(base / "train"), "--model-dir", str(model_dir)])
    (base / "model").mkdir()
    with tarfile.open(base / "model" / "model.tar.gz", "w:gz") as archive:
        archive.add(model_dir / "model.joblib", arcname="model.joblib")
    evaluate.main(["--base-dir", str(base)])
    return json.loads((base / "evaluation" / "evaluation.json").read_text())


def test_split_is_stratified_and_target_first() -> None:
    parts = preprocess.split(_dataset())
    assert [len(parts[n]) for n in ("train", "validation", "test")] == [398, 85, 86]
    assert all(list(p.columns)[0] == "target" for p in parts.values())
    ratios = [p["target"].mean() for p in parts.values()]
    assert max(ratios) - min(ratios) < 0.02


@pytest.mark.parametrize(("frame", "message"), [
    (pd.DataFrame({"x": [1, 2]}), "input has no 'target' column"),
    (pd.DataFrame({"target": [0, 1], "x": [1.0, None]}), "input has missing values"),
])
def test_bad_input_is_refused(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        preprocess.split(frame)


def test_real_data_passes_the_gate(tmp_path: Path) -> None:
    metrics = _run_steps(tmp_path, _dataset())["binary_classification_metrics"]
    assert metrics["accuracy"]["value"] >= 0.9 and metrics["auc"]["value"] >= 0.95


def test_noise_fails_the_gate(tmp_path: Path) -> None:
    metrics = _run_steps(tmp_path, _dataset(shuffle_labels=True))["binary_classification_metrics"]
    assert metrics["accuracy"]["value"] < 0.75


def test_inference_handlers_serve_csv_probabilities(tmp_path: Path) -> None:
    from pipelines.modelbuild import inference

    frame = _dataset()
    model = train.train(frame[["target", *frame.columns[:-1]]].head(200), n_estimators=5, learning_rate=0.1, max_depth=2)
    import joblib

    joblib.dump(model, tmp_path / "model.joblib")
    loaded = inference.model_fn(str(tmp_path))
    rows = frame.iloc[:2, :-1].to_numpy()
    body = "\n".join(",".join(str(v) for v in row) for row in rows).encode()
    prediction = inference.predict_fn(inference.input_fn(body, "text/csv"), loaded)
    lines = inference.output_fn(prediction, "text/csv").splitlines()
    assert len(lines) == 2 and all(0.0 <= float(line) <= 1.0 for line in lines)
    assert [float(line) for line in lines] == pytest.approx(model.predict_proba(rows)[:, 1], abs=1e-6)


@pytest.mark.parametrize(("call", "message"), [
    (lambda inf: inf.input_fn(b"1,2", "application/json"), "unsupported content type 'application/json'; send text/csv"),
    (lambda inf: inf.output_fn(np.array([0.5]), "application/json"), "unsupported accept type 'application/json'; ask for text/csv"),
])
def test_inference_refuses_other_content_types(call, message: str) -> None:  # type: ignore[no-untyped-def]
    from pipelines.modelbuild import inference

    with pytest.raises(ValueError) as error:
        call(inference)
    assert str(error.value) == message
