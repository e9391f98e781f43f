"""What a function placed in a VPC can reach: decided from its subnets' route tables, the VPC's endpoints and the
security groups on both sides, as the VPC would route and filter its packets.

* An **interface endpoint** (private DNS on) is reached from any subnet of its VPC when the function's groups let
  HTTPS out to it and the endpoint's groups let HTTPS in from the function (by group or by an address range).
* A **gateway endpoint** (S3, DynamoDB) is reached when every subnet of the function routes to it (its route table
  is one of the endpoint's) and the function's groups let HTTPS out.
* **The internet** (every public AWS endpoint too) only through a NAT gateway: every subnet's route table sends
  ``0.0.0.0/0`` to one. An internet gateway is not enough: a function's network interfaces have no public address.

The result is plain data (:meth:`Reach.to_dict`): it travels to the function's worker process, which routes each
connection by it (:mod:`embedded_aws.network.guard`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from embedded_aws.network.services import GATEWAY_SERVICES

HTTPS = 443


@dataclass(frozen=True)
class Reach:
    """Where a function's connections can go: the endpoint services it reaches (name → endpoint id) and the internet."""

    account: str
    region: str
    vpc_id: str
    internet: bool
    endpoints: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "region": self.region, "vpc_id": self.vpc_id, "internet": self.internet,
                "endpoints": dict(self.endpoints)}


def function_reach(ec2: Any, account: str, region: str, subnet_ids: Sequence[str], group_ids: Sequence[str]) -> Reach | None:
    """The reach of a function in ``subnet_ids`` with ``group_ids``, read from moto's EC2 backend ``ec2``; ``None`` outside a VPC."""
    subnets = [ec2.get_subnet(subnet_id) for subnet_id in subnet_ids]
    if not subnets:
        return None
    vpc_id = subnets[0].vpc_id
    vpc_cidr = ipaddress.ip_network(str(ec2.get_vpc(vpc_id).cidr_block))
    groups = [group for group in (ec2.get_security_group_from_id(g) for g in group_ids) if group is not None]
    tables = [_route_table(ec2, vpc_id, subnet.id) for subnet in subnets]
    endpoints: dict[str, str] = {}
    for endpoint in ec2.vpc_end_points.values():
        if endpoint.vpc_id != vpc_id or getattr(endpoint, "state", "available") != "available":
            continue
        service = endpoint.service_name.rsplit(f".{region}.", 1)[-1] if endpoint.service_name.startswith("com.amazonaws.") else endpoint.service_name
        if (endpoint.vpc_endpoint_type or "Gateway") == "Gateway":
            routed = all(table is not None and table.id in (endpoint.route_table_ids or []) for table in tables)
            if service in GATEWAY_SERVICES and routed and _lets_out(groups):
                endpoints[service] = endpoint.id
        elif endpoint.private_dns_enabled and _interface_admits(ec2, endpoint, groups, vpc_cidr):
            endpoints.setdefault(service, endpoint.id)
    nat = all(table is not None and any(_default_route(route) and route.nat_gateway is not None for route in table.routes)
              for table in tables)
    return Reach(account, region, vpc_id, nat and _lets_out(groups), endpoints)


def _route_table(ec2: Any, vpc_id: str, subnet_id: str) -> Any:
    """The subnet's route table: the one associated with it, else the VPC's main table."""
    main = None
    for table in ec2.route_tables.values():
        if table.vpc_id != vpc_id:
            continue
        if subnet_id in table._associations.values():
            return table
        if table.main_association_id is not None:
            main = table
    return main


def _default_route(route: Any) -> bool:
    return getattr(route, "destination_cidr_block", None) == "0.0.0.0/0"


def _interface_admits(ec2: Any, endpoint: Any, groups: Iterable[Any], vpc_cidr: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """HTTPS from the function's groups to the endpoint's network interfaces, both groups agreeing."""
    endpoint_groups = [g for g in (ec2.get_security_group_from_id(i) for i in endpoint.security_group_ids or []) if g is not None]
    mine = {group.id for group in groups}
    theirs = {group.id for group in endpoint_groups}
    out = any(_rule_allows(rule, vpc_cidr, theirs) for group in groups for rule in group.egress_rules)
    into = any(_rule_allows(rule, vpc_cidr, mine) for group in endpoint_groups for rule in group.ingress_rules)
    return out and into


def _lets_out(groups: Iterable[Any]) -> bool:
    """Some group lets HTTPS out beyond the VPC (to the internet, or to a gateway endpoint's public prefixes)."""
    for group in groups:
        for rule in group.egress_rules:
            if not _port_matches(rule):
                continue
            if rule.prefix_list_id:
                return True
            cidr = (rule.ip_range or {}).get("CidrIp")
            if cidr and ipaddress.ip_network(cidr, strict=False).prefixlen == 0:
                return True
    return False


def _rule_allows(rule: Any, vpc_cidr: ipaddress.IPv4Network | ipaddress.IPv6Network, peer_groups: set[str]) -> bool:
    """The rule lets HTTPS through to/from a peer in ``peer_groups`` or an address of the VPC."""
    if not _port_matches(rule):
        return False
    if (rule.source_group or {}).get("GroupId") in peer_groups:
        return True
    cidr = (rule.ip_range or {}).get("CidrIp")
    return isinstance(cidr, str) and ipaddress.ip_network(cidr, strict=False).overlaps(vpc_cidr)


def _port_matches(rule: Any) -> bool:
    if rule.ip_protocol in ("-1", "all"):
        return True
    return rule.ip_protocol in ("tcp", "6") and rule.from_port is not None and rule.from_port <= HTTPS <= rule.to_port
