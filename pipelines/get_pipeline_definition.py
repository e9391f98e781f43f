"""``get-pipeline-definition``: print (or write) a pipeline's JSON definition, as SageMaker project CI does."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipelines._normalize import normalize
from pipelines._utils import get_pipeline_driver, parse_kwargs

SOURCE_ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="get-pipeline-definition", description=__doc__)
    parser.add_argument("--module-name", default="pipelines.modelbuild.pipeline", help="module exposing get_pipeline(**kwargs)")
    parser.add_argument("--kwargs", help="JSON object of keyword arguments, e.g. region, role, default_bucket")
    parser.add_argument("--file-name", help="write the definition here instead of stdout")
    parser.add_argument("--normalized", action="store_true",
                        help="replace code hashes, upload timestamps and local paths by placeholders (for diffs and golden files)")
    args = parser.parse_args(argv)
    try:
        definition = json.loads(get_pipeline_driver(args.module_name, parse_kwargs(args.kwargs)).definition())
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.normalized:
        definition = normalize(definition, SOURCE_ROOT)
    text = json.dumps(definition, indent=2)
    if args.file_name:
        with open(args.file_name, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
