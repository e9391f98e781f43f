"""Validate a notebook request and expand it into what the provisioning state machine needs."""

from __future__ import annotations

import dataclasses
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime.environment_types import get_type
from mlops_runtime.notebooks.requests import InvalidRequest, NotebookRequest, provisioning_parameters


def parse_request(data: dict[str, Any]) -> NotebookRequest:
    known = {f.name for f in dataclasses.fields(NotebookRequest)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidRequest(f"unknown request fields: {', '.join(unknown)}")
    if not data.get("user"):
        raise InvalidRequest("a notebook request needs a user")
    if data.get("volume_size_gb") is not None:
        try:
            data = {**data, "volume_size_gb": int(data["volume_size_gb"])}
        except (TypeError, ValueError):
            raise InvalidRequest(f"volume size (GB) must be a whole number, got {data['volume_size_gb']!r}") from None
    return NotebookRequest(**data)


def require_known_user(iam: Any, user: str) -> None:
    """Analysts are IAM users of the tooling account; anyone else is refused before anything is created."""
    try:
        iam.get_user(UserName=user)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchEntity":
            raise InvalidRequest(f"unknown user {user!r}: no IAM user of that name in the platform account") from None
        raise


def expand_request(data: dict[str, Any]) -> dict[str, Any]:
    """The validated request plus names and Service Catalog parameters; :class:`InvalidRequest` on bad input.

    The parameters are the analyst's choices only: what the platform sets on every notebook the product template
    reads from the platform's SSM parameters (its defaults), so a launch from the console gets the same.
    Whether the user exists is not asked here (:func:`require_known_user`): the state machine asks IAM itself, as
    its functions may run in subnets without a route to IAM (which has no VPC endpoint).
    """
    request = parse_request(data)
    try:
        env_type = get_type(request.environment_type)
    except KeyError as exc:
        raise InvalidRequest(str(exc.args[0])) from None
    parameters = provisioning_parameters(request, env_type)
    name = env_type.resource_name(request.user)
    return {
        **request.to_dict(),
        "environment_id": name,
        "notebook_name": name,
        "url_parameter": env_type.url_parameter(request.user),
        "product_name": env_type.product_name,
        "product_version": env_type.product_version,
        "provisioning_parameters": parameters,
        "tags": [{"Key": "owner", "Value": request.user}, {"Key": "mlops:request-id", "Value": request.request_id}],
    }
