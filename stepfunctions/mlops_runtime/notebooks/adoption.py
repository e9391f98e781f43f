"""Adopt a notebook an analyst launched from the Service Catalog console.

CloudTrail's ``ProvisionProduct`` event (on EventBridge) starts the provisioning state machine with
``{"console_launch": <the event's detail>}``. The launch is adopted — recorded, waited for, given a URL — when the caller
is an analyst (an IAM user) launching for themselves with the analyst's choices only; it is refused — terminated and
recorded FAILED with the reason — when it names someone else or sets what the platform sets; it is ignored when it is
not a successful launch of the platform's product. The owner is always the CloudTrail caller, never a parameter.
"""

from __future__ import annotations

from typing import Any

from mlops_runtime.environment_types import EnvironmentType, get_type
from mlops_runtime.notebooks.requests import InvalidRequest, NotebookRequest
from mlops_runtime.notebooks.statuses import LAUNCH_REFUSED
from mlops_runtime.notebooks.validation import expand_request

#: How the execution's subject was launched (``launch`` in the state machine's state): a platform request, or a console
#: launch adopted, refused or ignored.
REQUESTED, ADOPTED, REFUSED, IGNORED = "requested", "adopted", "refused", "ignored"
#: The parameter naming the notebook's owner in the product template.
OWNER_PARAMETER = "UserName"


def prepare(event: dict[str, Any], product_id: str) -> dict[str, Any]:
    """The validation step: a console launch judged (:func:`adopt_launch`), or a platform request expanded."""
    if "console_launch" in event:
        return adopt_launch(event["console_launch"], product_id)
    return {**expand_request(event), "launch": REQUESTED}


def adopt_launch(call: dict[str, Any], product_id: str, environment_type: str = NotebookRequest.environment_type) -> dict[str, Any]:
    """What the state machine does with a console launch: an expanded request (``launch: adopted``), a refusal
    (``launch: refused``, with the reason as ``error``) or ``launch: ignored``."""
    request = call.get("requestParameters") or {}
    if call.get("eventName") != "ProvisionProduct" or call.get("errorCode") or request.get("productId") != product_id:
        return {"launch": IGNORED, "reason": "not a launch of the platform's notebook product"}
    record = (call.get("responseElements") or {}).get("recordDetail") or {}
    env_type = get_type(environment_type)
    launched = {"record_id": record.get("recordId", ""), "provisioned_product_id": record.get("provisionedProductId", "")}
    parameters = {str(p.get("key")): str(p.get("value")) for p in request.get("provisioningParameters") or []}
    caller = _analyst(call.get("userIdentity") or {})
    named = parameters.get(OWNER_PARAMETER) or caller or ""
    reason = _refusal(caller, named, parameters, env_type, call.get("userIdentity") or {})
    if reason is None:
        fields = {field: parameters[parameter] for field, parameter in env_type.request_parameters.items() if parameter in parameters}
        try:
            expanded = expand_request({**fields, "user": caller, "request_id": launched["record_id"], "environment_type": env_type.name})
        except InvalidRequest as exc:
            reason = str(exc)
        else:
            return {**expanded, "launch": ADOPTED, "provisioning": launched}
    return {"launch": REFUSED, "environment_id": env_type.resource_name(named), "owner": caller or _arn(call), "user": named,
            "environment_type": env_type.name, "request_id": launched["record_id"], "provisioning": launched,
            "error": {"Error": LAUNCH_REFUSED, "Cause": reason}}


def _analyst(identity: dict[str, Any]) -> str | None:
    return str(identity["userName"]) if identity.get("type") == "IAMUser" and identity.get("userName") else None


def _arn(call: dict[str, Any]) -> str:
    return str((call.get("userIdentity") or {}).get("arn", "unknown caller"))


def _refusal(caller: str | None, named: str, parameters: dict[str, str], env_type: EnvironmentType,
             identity: dict[str, Any]) -> str | None:
    """Why the launch cannot be adopted, or ``None``."""
    if caller is None:
        return f"launched by {identity.get('arn', 'an unknown caller')}, who is not an analyst (an IAM user of the account)"
    if named != caller:
        return f"{caller} launched a notebook for {named}: analysts launch notebooks for themselves only"
    settings = sorted(set(parameters) & set(env_type.platform_settings()))
    if settings:
        return f"{caller} set {', '.join(settings)}: the platform sets these on every notebook"
    unknown = sorted(set(parameters) - set(env_type.request_parameters.values()))
    if unknown:
        return f"{caller} set {', '.join(unknown)}, which the notebook product does not take"
    return None
