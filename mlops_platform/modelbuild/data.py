"""The labelled data the model-build pipeline reads by default (its ``InputDataUrl``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError

TARGET = "target"


def default_input_url(outputs: ToolingOutputs) -> str:
    """The pipeline's default ``InputDataUrl`` for this platform (in its artifacts bucket)."""
    from pipelines.modelbuild.defaults import default_input_data_url

    return default_input_data_url(outputs.artifacts_bucket_name)


def check_csv(path: Path) -> int:
    """Rows of a labelled CSV (header with a ``target`` column); a clear error for anything else."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            rows = sum(1 for _ in reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path} is not a readable CSV file: {exc}") from exc
    if not header or TARGET not in header:
        raise ConfigError(f"{path} has no {TARGET!r} column in its header (the preprocessing step needs one)")
    if rows < 20:
        raise ConfigError(f"{path} has {rows} data rows; the pipeline splits 70/15/15 and needs at least 20")
    return rows


def upload(s3: Any, source: Path, url: str, kms_key: str | None = None) -> dict[str, Any]:
    """Put ``source`` at ``url`` (checked first: nothing is uploaded when it is not usable)."""
    rows = check_csv(source)
    bucket, key = url[len("s3://"):].split("/", 1)
    extra: dict[str, Any] = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key} if kms_key else {}
    s3.upload_fileobj(io.BytesIO(source.read_bytes()), bucket, key, ExtraArgs=extra or None)
    return {"url": url, "rows": rows}
