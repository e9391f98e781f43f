"""Training script: gradient boosting on the train channel, model saved to ``SM_MODEL_DIR``.

SageMaker contract: ``SM_CHANNEL_TRAIN`` holds ``train.csv`` (target first, no header), the model goes to
``SM_MODEL_DIR/model.joblib``; hyperparameters arrive as ``--name value`` arguments.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import joblib
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier


def train(frame: pd.DataFrame, n_estimators: int, learning_rate: float, max_depth: int, seed: int = 42) -> GradientBoostingClassifier:
    model = GradientBoostingClassifier(n_estimators=n_estimators, learning_rate=learning_rate, max_depth=max_depth, random_state=seed)
    return model.fit(frame.iloc[:, 1:].to_numpy(), frame.iloc[:, 0].to_numpy())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", "--n_estimators", type=int, default=100)
    parser.add_argument("--learning-rate", "--learning_rate", type=float, default=0.1)
    parser.add_argument("--max-depth", "--max_depth", type=int, default=3)
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    args = parser.parse_args(argv)
    frame = pd.read_csv(Path(args.train) / "train.csv", header=None)
    model = train(frame, args.n_estimators, args.learning_rate, args.max_depth)
    Path(args.model_dir).mkdir(parents=True, exist_ok=True)
    joblib.dump(model, Path(args.model_dir) / "model.joblib")
    print(f"trained on {len(frame)} rows")


if __name__ == "__main__":
    main()
