"""Which VPC endpoint service a request needs, from what the request itself says (no moto, no botocore).

An SDK request names its service in its SigV4 credential scope (``Credential=AKID/date/region/<service>/aws4_request``,
in the ``Authorization`` header or a presigned URL's ``X-Amz-Credential``). The signing name is mostly the endpoint
service's name (``com.amazonaws.<region>.<name>``); the exceptions are listed here.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

_CREDENTIAL = re.compile(r"Credential=[^/]+/[0-9]{8}/([^/]+)/([^/]+)/")
_RUNTIME_PATH = re.compile(r"^/endpoints/[^/]+/invocations")
#: Signing names whose VPC endpoint service is named differently.
_ENDPOINT_NAMES = {"sagemaker": "sagemaker.api", "ecr": "ecr.api", "elasticfilesystem": "elasticfilesystem"}
#: Endpoints reached through the route table (the subnets' tables must carry the endpoint's prefix-list route).
GATEWAY_SERVICES = frozenset({"s3", "dynamodb"})
#: Path of the embedded CloudFormation's answer URL for custom resources: on AWS a presigned S3 URL of the
#: AWS-owned bucket ``cloudformation-custom-resource-response-<region without dashes>``.
CUSTOM_RESOURCE_RESPONSE_PATH = "/_embedded/cloudformation/custom-resource-response/"
#: ``aws:ResourceAccount`` of AWS-owned buckets (CloudFormation's answers): an account none of the platform's is.
AWS_OWNED_ACCOUNT = "999999999999"


def signing_scope(authorization: str, url: str) -> tuple[str, str] | None:
    """(region, signing service) of a SigV4 request, from its ``Authorization`` header or presigned URL; else ``None``."""
    found = _CREDENTIAL.search(authorization or "")
    if found:
        return found.group(1), found.group(2)
    credential = (parse_qs(urlsplit(url).query).get("X-Amz-Credential") or [""])[0]
    parts = unquote(credential).split("/")
    return (parts[2], parts[3]) if len(parts) >= 4 else None


def endpoint_service(signing_name: str, path: str) -> str:
    """The endpoint service (after ``com.amazonaws.<region>.``) a request signed for ``signing_name`` goes to."""
    if signing_name == "sagemaker" and _RUNTIME_PATH.match(path):
        return "sagemaker.runtime"
    return _ENDPOINT_NAMES.get(signing_name, signing_name)


def public_host(service: str, region: str) -> str:
    """The public host the SDK would resolve for ``service`` (what a timeout names on AWS)."""
    if service in ("iam", "organizations"):
        return f"{service}.amazonaws.com"
    if service.startswith("sagemaker."):  # api.sagemaker.<region>.amazonaws.com, runtime.sagemaker...
        return f"{service.split('.', 1)[1]}.sagemaker.{region}.amazonaws.com"
    return f"{service.split('.', 1)[0]}.{region}.amazonaws.com"


def custom_resource_response_bucket(region: str) -> str:
    """CloudFormation's AWS-owned bucket for custom resource answers in ``region``."""
    return f"cloudformation-custom-resource-response-{region.replace('-', '')}"
