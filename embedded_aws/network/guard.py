"""Inside a Lambda worker process: each connection goes where the function's VPC routes it, or nowhere.

The worker is told, per invocation, the function's :class:`~embedded_aws.network.reach.Reach` (``None`` outside a
VPC: no restriction). Every HTTP request the handler makes (AWS SDK calls through botocore, anything else through
``http.client``, as ``urllib`` and ``urllib3`` do) is routed:

* to an AWS service with an endpoint in the VPC: sent, marked with the endpoint (header
  :data:`NETWORK_HEADER`) so the embedded AWS sets ``aws:SourceVpce``/``aws:SourceVpc`` and applies the endpoint's
  policy, as AWS does;
* elsewhere, with a NAT route: sent (as from the NAT's public address);
* otherwise the connection never opens, as SYNs dropped by a route table without a target: the client's connect
  timeout passes. Waiting is simulated: each attempt uses up the client's connect timeout of the invocation's time
  at once (no real wait); when the invocation's time runs out first, :class:`InvocationTimedOut` ends it as Lambda
  does ("Task timed out after ... seconds"). Handlers cannot catch it (it is not an ``Exception``).

Only the standard library and (lazily) botocore are imported: this runs in every worker.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from embedded_aws.network.services import CUSTOM_RESOURCE_RESPONSE_PATH, endpoint_service, public_host, signing_scope

#: ``<account> <region> <vpc id> <endpoint id>``: the endpoint a request came through (read by the embedded AWS).
NETWORK_HEADER = "X-Embedded-Aws-Network"
#: botocore's connect timeout when the client sets none.
DEFAULT_CONNECT_TIMEOUT = 60.0


class InvocationTimedOut(BaseException):
    """The invocation's time ran out while a connection waited for an answer that never comes."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"Task timed out after {timeout:.2f} seconds")


class _Invocation:
    """The current invocation's reach and the time its blocked connections have used up."""

    def __init__(self) -> None:
        self.reach: dict[str, Any] | None = None
        self.timeout = 0.0
        self.started = 0.0
        self.waited = 0.0
        self.lock = threading.Lock()

    def begin(self, reach: dict[str, Any] | None, timeout: float) -> None:
        with self.lock:
            self.reach, self.timeout, self.started, self.waited = reach, timeout, time.monotonic(), 0.0

    def wait_out(self, connect_timeout: float | None) -> None:
        """A blocked connect: use up its timeout of the invocation's time, or end the invocation."""
        with self.lock:
            left = self.timeout - (time.monotonic() - self.started) - self.waited
            if connect_timeout is None or connect_timeout >= left:
                self.waited = self.timeout
                raise InvocationTimedOut(self.timeout)
            self.waited += connect_timeout


INVOCATION = _Invocation()
_SDK = threading.local()


def aws_address() -> tuple[str, int] | None:
    """Host and port of the AWS endpoints as the worker was given them (``AWS_ENDPOINT_URL``)."""
    url = os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        return None
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def route(host: str, port: int, path: str, authorization: str = "") -> tuple[str, str | None] | None:
    """Where a request goes: ``("endpoint", header)``, ``("internet", None)``, or ``None`` (no route: it times out).

    Unrestricted (``("internet", None)``) when the function is not in a VPC.
    """
    reach = INVOCATION.reach
    if reach is None:
        return "internet", None
    service = None
    if (host, port) == aws_address():
        if path.startswith(CUSTOM_RESOURCE_RESPONSE_PATH):
            service = "s3"
        else:
            scope = signing_scope(authorization, path)
            service = endpoint_service(scope[1], urlsplit(path).path) if scope else None
    if service is not None and service in reach["endpoints"]:
        header = f"{reach['account']} {reach['region']} {reach['vpc_id']} {reach['endpoints'][service]}"
        return "endpoint", header
    return ("internet", None) if reach["internet"] else None


def unreachable_name(host: str, port: int, path: str, authorization: str = "") -> str:
    """The URL the client would have tried (the public AWS endpoint for an SDK call)."""
    scope = signing_scope(authorization, path) if (host, port) == aws_address() else None
    if scope:
        return f"https://{public_host(endpoint_service(scope[1], urlsplit(path).path), scope[0])}/"
    return f"http://{host}:{port}{path}"


def install() -> None:
    """Route botocore's sends and every ``http.client`` request of this process (once, at worker start)."""
    _install_http_client()
    try:
        from botocore import httpsession
    except ImportError:  # a worker without botocore makes no SDK calls
        return
    original = httpsession.URLLib3Session.send

    def send(self: Any, request: Any) -> Any:
        url = urlsplit(request.url)
        host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
        path = url.path + (f"?{url.query}" if url.query else "")
        authorization = request.headers.get("Authorization") or ""
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        decided = route(host, port, path, authorization)
        if decided is None:
            from botocore.exceptions import ConnectTimeoutError

            INVOCATION.wait_out(_connect_timeout(self))
            raise ConnectTimeoutError(endpoint_url=unreachable_name(host, port, path, authorization))
        if decided[1] is not None:
            request.headers[NETWORK_HEADER] = decided[1]
        _SDK.active = True
        try:
            return original(self, request)
        finally:
            _SDK.active = False

    httpsession.URLLib3Session.send = send  # the worker's own process, patched for its life


def _connect_timeout(session: Any) -> float | None:
    timeout = getattr(session, "_timeout", None)
    connect = getattr(timeout, "connect_timeout", timeout)
    return float(connect) if isinstance(connect, (int, float)) else DEFAULT_CONNECT_TIMEOUT


def _install_http_client() -> None:
    connection = http.client.HTTPConnection
    putrequest, putheader, endheaders = connection.putrequest, connection.putheader, connection.endheaders

    def recorded_putrequest(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        self._embedded_request = {"url": url, "authorization": ""}
        putrequest(self, method, url, *args, **kwargs)

    def recorded_putheader(self: Any, header: Any, *values: Any) -> None:
        name = header.decode() if isinstance(header, bytes) else str(header)
        if name.lower() == "authorization" and values and getattr(self, "_embedded_request", None) is not None:
            value = values[0]
            self._embedded_request["authorization"] = value.decode() if isinstance(value, bytes) else str(value)
        putheader(self, header, *values)

    def routed_endheaders(self: Any, *args: Any, **kwargs: Any) -> None:
        recorded = getattr(self, "_embedded_request", None)
        if recorded is not None and not getattr(_SDK, "active", False):
            url = urlsplit(recorded["url"])
            path = (url.path or "/") + (f"?{url.query}" if url.query else "") if url.scheme else recorded["url"]
            decided = route(self.host, self.port, path, recorded["authorization"])
            if decided is None:
                INVOCATION.wait_out(self.timeout if isinstance(self.timeout, (int, float)) else None)
                raise TimeoutError("timed out")
            if decided[1] is not None:
                putheader(self, NETWORK_HEADER, decided[1])
        endheaders(self, *args, **kwargs)

    connection.putrequest = recorded_putrequest  # type: ignore[method-assign]  # the worker's own process
    connection.putheader = recorded_putheader  # type: ignore[method-assign]
    connection.endheaders = routed_endheaders  # type: ignore[method-assign]
