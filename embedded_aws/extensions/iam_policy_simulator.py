"""IAM's policy simulator: SimulatePrincipalPolicy answers with the decisions the embedded IAM itself would make.

moto 5.2.5 has no SimulatePrincipalPolicy, so tools that check a role before using it (the SageMaker SDK's role
validation, ``mlops doctor``) cannot ask. Here the user's or role's identity policies and permissions boundary (plus
``PolicyInputList``/``PermissionsBoundaryPolicyInputList``) are evaluated by :mod:`embedded_aws.iam.evaluator` for each
action and resource with the given ``ContextEntries``: ``allowed``, ``explicitDeny`` or ``implicitDeny``, with the
boundary's verdict, as IAM's simulator reports them. A resource policy, SCPs and the caller's own rights are not
simulated (the simulator does not need them for identity questions; organizations are reported as allowing).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.iam.exceptions import NoSuchEntity
from moto.iam.responses import IamResponse

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.iam.evaluator import ALLOWED, EXPLICIT_DENY, evaluate, parse_document
from embedded_aws.iam.principals import DIRECTORY, USER, Caller


def _source(arn: str) -> Caller:
    """The principal ``PolicySourceArn`` names (a user or a role; a role is simulated as any session of it)."""
    from moto.iam.models import iam_backends

    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "iam":
        raise NoSuchEntity(f"The policy source {arn} does not exist.")
    account, (kind, _, path_name) = parts[4], parts[5].partition("/")
    name = path_name.rsplit("/", 1)[-1]
    backend = iam_backends[account]["aws"]
    if kind == "user" and name in backend.users:
        return Caller(USER, arn, account, name)
    if kind == "role" and any(r.name == name for r in backend.roles.values()):
        return Caller("AssumedRole", f"arn:aws:sts::{account}:assumed-role/{name}/simulation", account, name, "simulation", None, arn)
    raise NoSuchEntity(f"The {kind or 'entity'} with name {name} cannot be found.")


def _context(entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {str(e["ContextKeyName"]).lower(): [str(v) for v in e.get("ContextKeyValues") or []] for e in entries or []}


def simulate(source_arn: str, actions: list[str], resources: list[str], context_entries: list[dict[str, Any]],
             extra_policies: list[str], extra_boundaries: list[str]) -> list[dict[str, Any]]:
    """One evaluation result per action (with a result per resource when resources are named)."""
    caller = _source(source_arn)
    permissions = DIRECTORY.permissions(caller)
    identity = [*permissions.identity, *(parse_document(p) for p in extra_policies)]
    boundaries = [*([permissions.boundary] if permissions.boundary else []), *(parse_document(p) for p in extra_boundaries)]
    context = {**caller.context(permissions.tags), **_context(context_entries)}
    results = []
    for action in actions:
        per_resource = []
        for resource in resources or ["*"]:
            decision = evaluate(identity, action, resource, context)
            bounded = all(evaluate([b], action, resource, context).result == ALLOWED for b in boundaries)
            denied_by_boundary = any(evaluate([b], action, resource, context).result == EXPLICIT_DENY for b in boundaries)
            result = decision.result
            if result == ALLOWED and not bounded:
                result = "explicitDeny" if denied_by_boundary else "implicitDeny"
            per_resource.append({"EvalResourceName": resource, "EvalResourceDecision": result,
                                 "MatchedStatements": [{"SourcePolicyId": decision.statement, "SourcePolicyType": "IAM Policy"}]
                                 if decision.statement else [],
                                 "MissingContextValues": [], "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": bounded}})
        decisions = [r["EvalResourceDecision"] for r in per_resource]
        overall = EXPLICIT_DENY if EXPLICIT_DENY in decisions else ALLOWED if all(d == ALLOWED for d in decisions) else "implicitDeny"
        first = per_resource[0]
        results.append({"EvalActionName": action, "EvalResourceName": first["EvalResourceName"], "EvalDecision": overall,
                        "MatchedStatements": first["MatchedStatements"], "MissingContextValues": [],
                        "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
                        "PermissionsBoundaryDecisionDetail": first["PermissionsBoundaryDecisionDetail"],
                        **({"ResourceSpecificResults": [{k: v for k, v in r.items() if k != "PermissionsBoundaryDecisionDetail"}
                                                        for r in per_resource]} if resources else {})})
    return results


class IamPolicySimulator(Extension):
    name = "iam-policy-simulator"
    summary = "SimulatePrincipalPolicy evaluates a user's or role's policies and boundary as the embedded IAM does (moto lacks it)"
    requires = ("iam-authorization",)

    def install(self, patcher: Patcher) -> None:
        def simulate_principal_policy(self: IamResponse) -> ActionResult:
            results = simulate(self._get_param("PolicySourceArn"), self._get_param("ActionNames", []),
                               self._get_param("ResourceArns", []), self._get_param("ContextEntries", []),
                               self._get_param("PolicyInputList", []), self._get_param("PermissionsBoundaryPolicyInputList", []))
            return ActionResult({"EvaluationResults": results, "IsTruncated": False})

        patcher.replace(IamResponse, "simulate_principal_policy", simulate_principal_policy)
