"""What a function placed in a VPC can reach: decided from its subnets' route tables, the VPC's endpoints and the
security groups on both sides, as the VPC would route and filter its packets.

* An **interface endpoint** (private DNS on) is reached from any subnet of its VPC when the function's groups let
  HTTPS out to it and the endpoint's groups let HTTPS in from the function (by group or by an address range).
* A **gateway endpoint** (S3, DynamoDB) is reached when every subnet of the function routes to it (its route table
  is one of the endpoint's) and the function's groups let HTTPS out.
* **The internet** (every public AWS endpoint too) only through a NAT gateway: every subnet's route table sends
  ``0.0.0.0/0`` to one. An internet gateway is not enough: a function's network interfaces have no public address.

The decision works on a :class:`NetworkView` (plain data), read from moto's EC2 backend inside the embedded AWS
(:func:`view_from_backend`) or from the EC2 API of a real account (:func:`view_from_api`, for ``mlops doctor``). The
result travels to the function's worker process as :meth:`Reach.to_dict` (:mod:`embedded_aws.network.guard`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from embedded_aws.network.services import GATEWAY_SERVICES

HTTPS = 443


@dataclass(frozen=True)
class Rule:
    """One security group rule: protocol, ports, and its peers (address ranges, groups, prefix lists)."""

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidrs: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    prefix_lists: tuple[str, ...] = ()

    def allows_https(self) -> bool:
        if self.protocol in ("-1", "all"):
            return True
        return self.protocol in ("tcp", "6") and self.from_port is not None and self.to_port is not None and self.from_port <= HTTPS <= self.to_port


@dataclass(frozen=True)
class Group:
    id: str
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    id: str
    service_name: str
    kind: str  # Interface or Gateway
    private_dns: bool = False
    route_tables: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    available: bool = True


@dataclass(frozen=True)
class NetworkView:
    """What decides a function's reach in one VPC."""

    vpc_id: str
    cidr: str
    #: subnet id → its route table id (``None``: no table at all)
    subnet_tables: dict[str, str | None]
    #: route tables whose ``0.0.0.0/0`` goes to a NAT gateway
    nat_tables: frozenset[str]
    endpoints: tuple[Endpoint, ...]
    groups: dict[str, Group]


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


def function_reach(view: NetworkView, account: str, region: str, subnet_ids: Sequence[str], group_ids: Sequence[str]) -> Reach:
    """The reach of a function in ``subnet_ids`` (of ``view``'s VPC) with ``group_ids``."""
    network = ipaddress.ip_network(view.cidr, strict=False)
    groups = [view.groups[g] for g in group_ids if g in view.groups]
    tables = [view.subnet_tables.get(subnet) for subnet in subnet_ids]
    endpoints: dict[str, str] = {}
    for endpoint in view.endpoints:
        if not endpoint.available:
            continue
        service = endpoint.service_name.split(f".{region}.", 1)[-1] if endpoint.service_name.startswith("com.amazonaws.") else endpoint.service_name
        if endpoint.kind == "Gateway":
            routed = all(table is not None and table in endpoint.route_tables for table in tables)
            if service in GATEWAY_SERVICES and routed and _lets_out(groups):
                endpoints[service] = endpoint.id
        elif endpoint.private_dns and _interface_admits(view, endpoint, groups, network):
            endpoints.setdefault(service, endpoint.id)
    nat = bool(tables) and all(table is not None and table in view.nat_tables for table in tables)
    return Reach(account, region, view.vpc_id, nat and _lets_out(groups), endpoints)


def _interface_admits(view: NetworkView, endpoint: Endpoint, groups: Iterable[Group], network: Any) -> bool:
    """HTTPS from the function's groups to the endpoint's network interfaces, both groups agreeing."""
    endpoint_groups = [view.groups[g] for g in endpoint.groups if g in view.groups]
    mine = {group.id for group in groups}
    theirs = {group.id for group in endpoint_groups}
    out = any(_rule_admits(rule, network, theirs) for group in groups for rule in group.egress)
    into = any(_rule_admits(rule, network, mine) for group in endpoint_groups for rule in group.ingress)
    return out and into


def _lets_out(groups: Iterable[Group]) -> bool:
    """Some group lets HTTPS out beyond the VPC (to the internet, or to a gateway endpoint's prefix list)."""
    return any(rule.allows_https() and (rule.prefix_lists or any(ipaddress.ip_network(c, strict=False).prefixlen == 0 for c in rule.cidrs))
               for group in groups for rule in group.egress)


def _rule_admits(rule: Rule, network: Any, peer_groups: set[str]) -> bool:
    """The rule lets HTTPS through to/from a peer in ``peer_groups`` or an address of the VPC."""
    if not rule.allows_https():
        return False
    return bool(peer_groups & set(rule.groups)) or any(ipaddress.ip_network(c, strict=False).overlaps(network) for c in rule.cidrs)


# -- reading the network ---------------------------------------------------------------------------------------------

def view_from_backend(ec2: Any, vpc_id: str) -> NetworkView:
    """The VPC as moto's EC2 backend holds it (inside the embedded AWS)."""
    tables = [t for t in ec2.route_tables.values() if t.vpc_id == vpc_id]
    main = next((t.id for t in tables if t.main_association_id is not None), None)
    associated = {subnet: t.id for t in tables for subnet in t._associations.values()}
    subnets = {s.id: associated.get(s.id, main) for s in ec2.describe_subnets(filters={"vpc-id": [vpc_id]})}
    nat = frozenset(t.id for t in tables for r in t.routes if r.destination_cidr_block == "0.0.0.0/0" and r.nat_gateway is not None)
    endpoints = tuple(
        Endpoint(e.id, e.service_name, e.vpc_endpoint_type or "Gateway", bool(e.private_dns_enabled), tuple(e.route_table_ids or ()),
                 tuple(e.security_group_ids or ()), getattr(e, "state", "available") == "available")
        for e in ec2.vpc_end_points.values() if e.vpc_id == vpc_id)
    groups = {g.id: Group(g.id, tuple(_backend_rule(r) for r in g.ingress_rules), tuple(_backend_rule(r) for r in g.egress_rules))
              for g in ec2.describe_security_groups(filters={"vpc-id": [vpc_id]})}
    return NetworkView(vpc_id, str(ec2.get_vpc(vpc_id).cidr_block), subnets, nat, endpoints, groups)


def _backend_rule(rule: Any) -> Rule:
    cidr = (rule.ip_range or {}).get("CidrIp")
    group = (rule.source_group or {}).get("GroupId")
    return Rule(str(rule.ip_protocol), rule.from_port, rule.to_port, (cidr,) if cidr else (), (group,) if group else (),
                (rule.prefix_list_id,) if rule.prefix_list_id else ())


def view_from_api(ec2: Any, vpc_id: str) -> NetworkView:
    """The VPC as the EC2 API describes it (an account's real network, or the embedded one)."""
    where = [{"Name": "vpc-id", "Values": [vpc_id]}]
    [vpc] = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    tables = ec2.describe_route_tables(Filters=where)["RouteTables"]
    main = next((t["RouteTableId"] for t in tables for a in t.get("Associations", []) if a.get("Main")), None)
    associated = {a["SubnetId"]: t["RouteTableId"] for t in tables for a in t.get("Associations", []) if a.get("SubnetId")}
    subnets = {s["SubnetId"]: associated.get(s["SubnetId"], main) for s in ec2.describe_subnets(Filters=where)["Subnets"]}
    nat = frozenset(t["RouteTableId"] for t in tables for r in t.get("Routes", [])
                    if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("NatGatewayId") and r.get("State", "active") == "active")
    endpoints = tuple(
        Endpoint(e["VpcEndpointId"], e["ServiceName"], e.get("VpcEndpointType", "Gateway"), bool(e.get("PrivateDnsEnabled")),
                 tuple(e.get("RouteTableIds", [])), tuple(g["GroupId"] for g in e.get("Groups", [])),
                 e.get("State", "available").lower() == "available")
        for e in ec2.describe_vpc_endpoints(Filters=where)["VpcEndpoints"])
    groups = {g["GroupId"]: Group(g["GroupId"], tuple(_api_rule(p) for p in g.get("IpPermissions", [])),
                                  tuple(_api_rule(p) for p in g.get("IpPermissionsEgress", [])))
              for g in ec2.describe_security_groups(Filters=where)["SecurityGroups"]}
    return NetworkView(vpc_id, vpc["CidrBlock"], subnets, nat, endpoints, groups)


def _api_rule(permission: dict[str, Any]) -> Rule:
    return Rule(str(permission.get("IpProtocol", "-1")), permission.get("FromPort"), permission.get("ToPort"),
                tuple(r["CidrIp"] for r in permission.get("IpRanges", [])),
                tuple(p["GroupId"] for p in permission.get("UserIdGroupPairs", []) if p.get("GroupId")),
                tuple(p["PrefixListId"] for p in permission.get("PrefixListIds", [])))
