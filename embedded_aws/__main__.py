"""``python -m embedded_aws serve``: run the embedded AWS in this process until interrupted."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from embedded_aws.errors import EmbeddedAwsError
from embedded_aws.server import EmbeddedAws


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m embedded_aws", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the server and block")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--state-file", help="write endpoint, account ids and keys here (JSON) once ready")
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        aws = EmbeddedAws(port=args.port, host=args.host).start()
    except EmbeddedAwsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        description = {**aws.describe(), "pid": os.getpid()}
        if args.state_file:
            tmp = f"{args.state_file}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(description, handle, indent=2)
            os.replace(tmp, args.state_file)
        print(json.dumps(description), flush=True)
        stop.wait()
    finally:
        aws.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
