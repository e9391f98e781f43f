"""An API the embedded AWS does not have answers with an AWS-shaped error naming it, not an HTML 500 page.

moto raises ``NotImplementedError`` for actions it lacks; the server turns that into an HTML
``500 Internal Server Error`` page (clients fail to parse it) and prints a stack trace. Here the
client gets HTTP 501 with code ``NotImplemented`` and the message "<Operation> is not implemented by
the embedded AWS", in the service's protocol (JSON or XML), so SDK errors say what is missing.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.exceptions import _RESTError as RESTError  # moto pinned exactly; its XML error base
from moto.core.responses import BaseResponse

from embedded_aws.extensions.base import Extension, Patcher


def _operation(action: str) -> str:
    return "".join(part.capitalize() for part in action.split("_"))


class NotImplementedJson(JsonRESTError):
    code = 501


class NotImplementedXml(RESTError):
    code = 501


class NotImplementedErrors(Extension):
    name = "not-implemented-errors"
    summary = "Missing actions answer HTTP 501 NotImplemented naming the operation, in the service's protocol"

    def install(self, patcher: Patcher) -> None:
        original = BaseResponse.call_action

        def call_action(self: BaseResponse) -> Any:
            try:
                return original(self)
            except NotImplementedError as exc:
                text = str(exc)
                if text.startswith("The ") and text.endswith(" action has not been implemented"):
                    message = f"{_operation(text[4:-len(' action has not been implemented')])} is not implemented by the embedded AWS"
                else:  # moto lacks part of an action it has (e.g. a kind of target)
                    message = f"{self._get_action()}: {text} (not implemented by the embedded AWS)"
                headers = {str(k).lower(): str(v) for k, v in dict(self.headers or {}).items()}
                json_protocol = "x-amz-target" in headers or "json" in headers.get("content-type", "")
                raise (NotImplementedJson if json_protocol else NotImplementedXml)("NotImplemented", message) from exc

        patcher.replace(BaseResponse, "call_action", call_action)
