"""The VPC endpoint a request came through (as the function's worker marked it) and what that means for its authorization."""

from __future__ import annotations

import json
from typing import Any

from embedded_aws.iam.evaluator import parse_document
from embedded_aws.network.guard import NETWORK_HEADER


def network_of(headers: Any, remote_address: str | None) -> tuple[dict[str, list[str]], dict[str, Any] | None]:
    """The network keys of a request and the policy of the VPC endpoint it came through (``None``: not through one).

    Through an endpoint: ``aws:SourceVpce``, ``aws:SourceVpc`` and ``aws:VpcSourceIp`` (``aws:SourceIp`` is absent, as
    on AWS); else ``aws:SourceIp``, the address the request came from (on a laptop, the loopback address).
    """
    marked = (headers.get(NETWORK_HEADER) or "").split()
    if len(marked) == 4:
        from moto.ec2.models import ec2_backends

        account, region, vpc_id, endpoint_id = marked
        endpoint = ec2_backends[account][region].vpc_end_points.get(endpoint_id)
        keys = {"aws:sourcevpce": [endpoint_id], "aws:sourcevpc": [vpc_id]}
        if remote_address:
            keys["aws:vpcsourceip"] = [remote_address]
        policy = getattr(endpoint, "policy_document", None)
        if endpoint is None:  # deleted since the function's reach was read: the connection had nowhere to go
            policy = json.dumps({"Version": "2012-10-17", "Statement": []})
        return keys, (parse_document(policy) if isinstance(policy, str) else policy)
    return ({"aws:sourceip": [remote_address]} if remote_address else {}), None
