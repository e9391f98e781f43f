"""``get-pipeline-definition``: print (or write) a pipeline's JSON definition, as SageMaker project CI does."""

from __future__ import annotations

import argparse
import json
import sys

from pipelines._utils import get_pipeline_driver, parse_kwargs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="get-pipeline-definition", description=__doc__)
    parser.add_argument("--module-name", default="pipelines.modelbuild.pipeline", help="module exposing get_pipeline(**kwargs)")
    parser.add_argument("--kwargs", help="JSON object of keyword arguments, e.g. region, role, default_bucket")
    parser.add_argument("--file-name", help="write the definition here instead of stdout")
    args = parser.parse_args(argv)
    try:
        definition = json.loads(get_pipeline_driver(args.module_name, parse_kwargs(args.kwargs)).definition())
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(definition, indent=2)
    if args.file_name:
        with open(args.file_name, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
