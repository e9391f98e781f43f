"""Service Catalog launch paths: a principal may launch a product only through a portfolio it is associated with.

AWS refuses ProvisionProduct (and SageMaker CreateProject of a catalog product) with "No launch paths found for
resource" when no portfolio holding the product names the caller: its IAM user, one of the user's groups, or, for a
role session, its role (an ``IAM_PATTERN`` principal may name them with wildcards). Root credentials are not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from embedded_aws.iam.evaluator import wildcard
from embedded_aws.iam.principals import DIRECTORY, Caller, group_arns


def caller_principals(caller: Caller) -> list[str]:
    """The principal ARNs a portfolio association may name for ``caller``."""
    return [caller.role_arn or caller.arn, *group_arns(caller)]


def associated(principals: Mapping[str, str], names: Iterable[str]) -> bool:
    """Whether a portfolio's associations (ARN → ``IAM`` or ``IAM_PATTERN``) include one of ``names``."""
    names = list(names)
    for arn, kind in principals.items():
        if kind == "IAM_PATTERN" and any(wildcard(arn, name) for name in names):
            return True
        if arn in names:
            return True
    return False


def launch_paths(access_key: str, portfolios: Iterable[str], principals: Mapping[str, Mapping[str, str]]) -> list[str] | None:
    """The portfolios (of ``portfolios``) through which ``access_key``'s principal may launch; ``None`` for root."""
    caller = DIRECTORY.caller(access_key)
    if caller is None:
        return None
    names = caller_principals(caller)
    return [p for p in sorted(portfolios) if associated(principals.get(p, {}), names)]
