"""One Git smart-HTTP request answered by ``git http-backend`` (CGI) for a bare repository on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

#: Request headers git's CGI reads from the environment.
FORWARDED = ("CONTENT_TYPE", "HTTP_CONTENT_ENCODING", "HTTP_GIT_PROTOCOL", "QUERY_STRING", "REQUEST_METHOD")


def request_body(environ: dict[str, Any]) -> bytes:
    """The whole body, whether sized (Content-Length) or chunked (read to its end)."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated") or environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        return bytes(stream.read())
    return b""


def run_backend(environ: dict[str, Any], root: Path, path: str, user: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """``(status line, headers, body)`` of git's answer to the request for ``path`` (``/<repo>/info/refs`` ...)."""
    env = {"GIT_PROJECT_ROOT": str(root), "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "REMOTE_USER": user,
           "REMOTE_ADDR": environ.get("REMOTE_ADDR", "127.0.0.1"), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root),
           "PATH": "/usr/local/bin:/usr/bin:/bin"}
    env.update({key: str(environ[key]) for key in FORWARDED if environ.get(key)})
    body = request_body(environ)
    env["CONTENT_LENGTH"] = str(len(body))
    result = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, timeout=300, check=False)
    head, _, payload = result.stdout.partition(b"\r\n\r\n")
    if not _:
        head, _, payload = result.stdout.partition(b"\n\n")
    status, headers = "200 OK", []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = value.strip()
        elif name:
            headers.append((name.strip(), value.strip()))
    if result.returncode != 0 and not head:
        return "500 Internal Server Error", [("Content-Type", "text/plain")], result.stderr
    return status, headers, payload
