"""Paths the embedded AWS answers itself, ahead of moto's dispatcher (response URLs, execute-api, fault API)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from embedded_aws.extensions.base import Patcher

#: ``serve(environ, start_response, match)`` answers a request whose path matched.
Serve = Callable[[dict[str, Any], Any, "re.Match[str]"], Iterable[bytes]]


def route_paths(patcher: Patcher, pattern: re.Pattern[str], serve: Serve) -> None:
    """Send requests whose path matches ``pattern`` to ``serve``; every other request goes on to moto."""
    original = DomainDispatcherApplication.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:  # noqa: N807 - replaces the WSGI application's __call__
        found = pattern.match(environ.get("PATH_INFO", ""))
        if found:
            return serve(environ, start_response, found)
        return original(self, environ, start_response)

    patcher.replace(DomainDispatcherApplication, "__call__", __call__)
