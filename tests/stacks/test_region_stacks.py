"""Every applyable region, with its links in each state (planned, ordered, enabled), synthesized
under Pulumi's mock runtime, states the stacks' rules as policy:

- a link in two phases: planned orders nothing; ordered creates only the circuit; enabled adds the
  border router / virtual interface, its BGP session with the partner's ASN on the catalog's VLAN,
  and attaches it to the region's hub, routed to the VPC;
- a network that routes: the VPC has its own range, outside every colo range; no colo range is a
  cloud subnet; the colo's ranges are routed over enabled links; the colo can resolve the private
  zone and reach the mirror through a private endpoint, and the outputs point nodes at it;
- resources the cloud accepts: keys in the catalog's KMS instance, bucket redundancy from the
  sourced table, ECS prefix lists for ECS rules, the DX gateway tagged;
- protection where the colo is: security groups only on cloud-side endpoints;
- guards: keys, buckets and circuits protected and retained, exactly what `destroy` says it keeps;
- registration: activations exported as secrets with an explicit expiry and a deliberate re-issue.

Values are checked against the provider SDKs' own argument definitions (pulumi_alicloud 4.0,
pulumi_aws 7.x docstrings, restated in regionkit.catalog.cloud_rules)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from ipaddress import IPv4Address, IPv4Network

import pytest

from regionkit.adapters.pulumi.mock_engine import ResourceRecord, Synthesis, synthesize
from regionkit.adapters.pulumi.policy_runner import load_policies
from regionkit.catalog.cloud_rules import LINK_RULES
from regionkit.catalog.validate import validate
from regionkit.planning.outputs import read_outputs
from regionkit.planning.stack import plan_stack

from ..conftest import REPO, TODAY
from .conftest import APPLYABLE, CATALOG, STATES, StateCatalogs

CASES = [(k, s) for k in APPLYABLE for s in STATES]
IDS = [f"{k}-{s}" for k, s in CASES]

CIRCUIT = {
    "alicloud": "alicloud:expressconnect/physicalConnection:PhysicalConnection",
    "aws": "aws:directconnect/connection:Connection",
}
BORDER = {
    "alicloud": "alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter",
    "aws": "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface",
}
HUB = {
    "alicloud": ("alicloud:cen/instance:Instance", "alicloud:cen/transitRouter:TransitRouter"),
    "aws": ("aws:directconnect/gateway:Gateway", "aws:ec2/vpnGateway:VpnGateway"),
}
SUBNET = {"alicloud": "alicloud:vpc/switch:Switch", "aws": "aws:ec2/subnet:Subnet"}
RECORD = {"alicloud": "alicloud:pvtz/zoneRecord:ZoneRecord", "aws": "aws:route53/record:Record"}
KEY = {"alicloud": "alicloud:kms/key:Key", "aws": "aws:kms/key:Key"}
VPC = {"alicloud": "alicloud:vpc/network:Network", "aws": "aws:ec2/vpc:Vpc"}
SG = {"alicloud": "alicloud:ecs/securityGroup:SecurityGroup", "aws": "aws:ec2/securityGroup:SecurityGroup"}
SG_RULE = {
    "alicloud": "alicloud:ecs/securityGroupRule:SecurityGroupRule",
    "aws": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
}
PREFIX_LIST = {"alicloud": "alicloud:ecs/ecsPrefixList:EcsPrefixList", "aws": "aws:ec2/managedPrefixList:ManagedPrefixList"}
MIRROR_ENDPOINT = {"alicloud": "alicloud:privatelink/vpcEndpoint:VpcEndpoint", "aws": "aws:ec2/vpcEndpoint:VpcEndpoint"}


def of_type(s: Synthesis, typ: str) -> list[ResourceRecord]:
    return [r for r in s.resources if r.type == typ]


def by_urn(s: Synthesis) -> dict[str, ResourceRecord]:
    return {r.urn: r for r in s.resources}


def backend_of(key: str) -> str:
    return CATALOG.regions[key].cloud.backend


def colo_ranges(key: str) -> list[IPv4Network]:
    region = CATALOG.regions[key]
    nets = [region.network.monitoring, region.network.interconnect]
    for z in region.zones:
        nets += [n for n in (z.network.management, z.network.bmc, z.network.storage, z.network.fabric) if n is not None]
    return nets


def test_both_backends_are_covered() -> None:
    assert {backend_of(k) for k in APPLYABLE} == {"alicloud", "aws"}


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_each_state_is_a_valid_declaration(states: StateCatalogs, key: str, state: str) -> None:
    report = validate(states.catalog(key, state), [key], today=TODAY)
    assert [f.one_line() for f in report.errors] == []


# --- links in two phases ---------------------------------------------------------------------


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_link_phase_decides_what_is_created(states: StateCatalogs, key: str, state: str) -> None:
    s, backend = states.synth(key, state), backend_of(key)
    zones = CATALOG.regions[key].zones
    circuits, borders = of_type(s, CIRCUIT[backend]), of_type(s, BORDER[backend])
    hub = [r for t in HUB[backend] for r in of_type(s, t)]
    bgp = of_type(s, "alicloud:vpc/bgpGroup:BgpGroup")
    if state == "planned":  # orders nothing
        assert circuits == [] and borders == [] and hub == [] and bgp == []
    elif state == "ordered":  # the circuit only, one per zone, in the zone
        assert sorted(r.zone for r in circuits) == sorted(z.id for z in zones)
        assert borders == [] and hub == [] and bgp == []
    else:  # the link is attached, routed and peered
        assert len(circuits) == len(borders) == len(zones)
        assert len(hub) == len(HUB[backend])


@pytest.mark.parametrize("key", APPLYABLE)
def test_ordered_circuits_match_what_the_cloud_takes(states: StateCatalogs, key: str) -> None:
    backend, rules = backend_of(key), LINK_RULES[backend_of(key)]
    for circuit in of_type(states.synth(key, "ordered"), CIRCUIT[backend]):
        zone = CATALOG.regions[key].zone(circuit.zone)
        assert zone is not None
        if backend == "alicloud":
            assert circuit.inputs["portType"] in rules.dedicated_ports and "bandwidth" not in circuit.inputs
            assert circuit.inputs["accessPointId"].startswith("ap-test-")
        else:
            assert circuit.inputs["bandwidth"] in rules.dedicated_ports and circuit.inputs["location"].startswith("EqTst")
            assert circuit.inputs["skipDestroy"] is True


@pytest.mark.parametrize("key", APPLYABLE)
def test_enabled_link_is_peered_with_the_partner_on_the_catalog_vlan(states: StateCatalogs, key: str) -> None:
    s, backend = states.synth(key, "enabled"), backend_of(key)
    catalog = states.catalog(key, "enabled")
    plan = plan_stack(catalog, catalog.region(key))
    urns = by_urn(s)
    lo, hi = LINK_RULES[backend].vlan_range
    for link in plan.links:
        (border,) = [r for r in of_type(s, BORDER[backend]) if r.zone == link.zone]
        (circuit,) = [r for r in of_type(s, CIRCUIT[backend]) if r.zone == link.zone]
        assert circuit.urn in border.dependencies  # on this zone's own circuit
        if backend == "alicloud":
            assert border.inputs["vlanId"] == link.vlan_id and lo <= link.vlan_id <= hi
            assert (border.inputs["localGatewayIp"], border.inputs["peerGatewayIp"]) == (link.cloud_address, link.peer_address)
            assert border.inputs["peeringSubnetMask"] == "255.255.255.252"
            (group,) = [g for g in of_type(s, "alicloud:vpc/bgpGroup:BgpGroup") if border.urn in g.dependencies]
            assert group.inputs["peerAsn"] == link.peer_asn
            (peer,) = [p for p in of_type(s, "alicloud:vpc/bgpPeer:BgpPeer") if group.urn in p.dependencies]
            assert peer.inputs["peerIpAddress"] == link.peer_address
            (attachment,) = [
                a
                for a in of_type(s, "alicloud:cen/transitRouterVbrAttachment:TransitRouterVbrAttachment")
                if border.urn in a.dependencies
            ]
            assert any(urns[d].type == "alicloud:cen/transitRouter:TransitRouter" for d in attachment.dependencies)
            for kind in ("Association", "Propagation"):
                typ = f"alicloud:cen/transitRouterRouteTable{kind}:TransitRouterRouteTable{kind}"
                assert any(attachment.urn in r.dependencies for r in of_type(s, typ)), kind
        else:
            assert border.inputs["vlan"] == link.vlan_id and lo <= link.vlan_id <= hi
            assert border.inputs["bgpAsn"] == link.peer_asn  # the partner's ASN, not derived from the VLAN
            assert border.inputs["amazonAddress"] == f"{link.cloud_address}/30"
            assert border.inputs["customerAddress"] == f"{link.peer_address}/30"
            (dxgw,) = of_type(s, "aws:directconnect/gateway:Gateway")
            assert dxgw.urn in border.dependencies


# --- a network that routes -------------------------------------------------------------------


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_vpc_has_its_own_range_and_no_colo_range_is_a_cloud_subnet(states: StateCatalogs, key: str, state: str) -> None:
    s, backend = states.synth(key, state), backend_of(key)
    (vpc,) = of_type(s, VPC[backend])
    vpc_net = IPv4Network(vpc.inputs["cidrBlock"])
    assert vpc_net == CATALOG.regions[key].network.vpc
    colo = colo_ranges(key)
    assert not any(vpc_net.overlaps(n) for n in colo)  # the VPC's local route shadows no colo range
    subnets = of_type(s, SUBNET[backend])
    assert len({r.inputs.get("zoneId") or r.inputs.get("availabilityZone") for r in subnets}) >= 2
    for subnet in subnets:
        net = IPv4Network(subnet.inputs["cidrBlock"])
        assert net.subnet_of(vpc_net) and not any(net.overlaps(n) for n in colo)


@pytest.mark.parametrize("key", APPLYABLE)
def test_enabled_links_route_the_colo_ranges_to_the_vpc(states: StateCatalogs, key: str) -> None:
    s, backend = states.synth(key, "enabled"), backend_of(key)
    region = CATALOG.regions[key]
    routed = sorted([str(z.network.management) for z in region.zones] + [str(region.network.monitoring)])
    urns = by_urn(s)
    if backend == "alicloud":
        (vpc_attachment,) = of_type(s, "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment")
        assert len(vpc_attachment.inputs["zoneMappings"]) >= 2
        entries = of_type(s, "alicloud:vpc/routeEntry:RouteEntry")
        assert sorted(e.inputs["destinationCidrblock"] for e in entries) == routed
        for entry in entries:
            assert entry.inputs["nexthopType"] == "Attachment" and vpc_attachment.urn in entry.dependencies
            assert any(urns[d].type == VPC[backend] for d in entry.dependencies)  # the VPC's own route table
    else:
        (association,) = of_type(s, "aws:directconnect/gatewayAssociation:GatewayAssociation")
        assert association.inputs["allowedPrefixes"] == [str(region.network.vpc)]  # never a /16 over the colo
        (propagation,) = of_type(s, "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")
        (table,) = of_type(s, "aws:ec2/routeTable:RouteTable")
        assert table.urn in propagation.dependencies
        associations = of_type(s, "aws:ec2/routeTableAssociation:RouteTableAssociation")
        assert len(associations) == len(of_type(s, SUBNET[backend])) and all(table.urn in a.dependencies for a in associations)


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_colo_resolves_the_private_zone(states: StateCatalogs, key: str, state: str) -> None:
    s, backend = states.synth(key, state), backend_of(key)
    resolvers = s.outputs["dns_zone"]["resolvers"]
    if backend == "aws":
        (endpoint,) = of_type(s, "aws:route53/resolverEndpoint:ResolverEndpoint")
        assert endpoint.inputs["direction"] == "INBOUND"
        ips = [a["ip"] for a in endpoint.inputs["ipAddresses"]]
        assert ips == resolvers and len(ips) >= 2
        vpc = CATALOG.regions[key].network.vpc
        assert vpc is not None and all(IPv4Network(f"{ip}/32").subnet_of(vpc) for ip in ips)
    else:
        assert resolvers == ["100.100.2.136", "100.100.2.138"]  # PrivateZone's service addresses, routed by CEN
        routed = of_type(s, "alicloud:cen/privateZone:PrivateZone")
        assert len(routed) == (1 if state == "enabled" else 0)


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_nodes_reach_the_mirror_through_its_private_endpoint(states: StateCatalogs, key: str, state: str) -> None:
    s, backend = states.synth(key, state), backend_of(key)
    region = CATALOG.regions[key]
    (endpoint,) = of_type(s, MIRROR_ENDPOINT[backend])
    mirror = s.outputs["mirror"]
    assert mirror["region"] == region.cloud.region_id
    if backend == "aws":
        assert endpoint.inputs["serviceName"] == f"com.amazonaws.{region.cloud.region_id}.s3"
        assert endpoint.inputs["vpcEndpointType"] == "Interface"  # a gateway endpoint serves the VPC only
        assert mirror["endpoint"] == f"https://bucket.vpce-{key}-mirror.s3.{region.cloud.region_id}.vpce.amazonaws.com"
    else:
        facts = CATALOG.clouds.alicloud[region.cloud.region_id]
        assert endpoint.inputs["serviceName"] == facts.oss_private_service
        assert mirror["endpoint"] == f"https://{endpoint.name}-id.privatelink.aliyuncs.com"
        zones = of_type(s, "alicloud:privatelink/vpcEndpointZone:VpcEndpointZone")
        assert len(zones) >= 2 and all(endpoint.urn in z.dependencies for z in zones)
    assert "aliyuncs.com/" not in mirror["endpoint"] and "-internal" not in mirror["endpoint"]  # not OSS internal or public S3
    assert "s3." + region.cloud.region_id + ".amazonaws.com" not in mirror["endpoint"]


# --- resources the cloud accepts -------------------------------------------------------------


@pytest.mark.parametrize("key", APPLYABLE)
def test_keys_live_in_the_cloud_regions_kms_instance_and_resist_deletion(states: StateCatalogs, key: str) -> None:
    s, backend = states.synth(key, "planned"), backend_of(key)
    (key_res,) = of_type(s, KEY[backend])
    assert key_res.protect and key_res.retain_on_delete
    if backend == "alicloud":
        facts = CATALOG.clouds.alicloud[CATALOG.regions[key].cloud.region_id]
        assert key_res.inputs["dkmsInstanceId"] == facts.kms_instance
        assert key_res.inputs["deletionProtection"] == "Enabled" and key_res.inputs["protectionLevel"] == "SOFTWARE"
        assert key_res.inputs["rotationInterval"] == "365d"  # a software KMS instance rotates on 7 to 365 days
    else:
        assert key_res.inputs["deletionWindowInDays"] == 30 and key_res.inputs["enableKeyRotation"] is True


def test_keys_of_three_regions_in_one_cloud_region_share_its_kms_instance(states: StateCatalogs) -> None:
    same = [k for k in APPLYABLE if CATALOG.regions[k].cloud.region_id == "eu-central-1"]
    assert len(same) == 3
    instances = {of_type(states.synth(k, "planned"), KEY["alicloud"])[0].inputs["dkmsInstanceId"] for k in same}
    assert instances == {CATALOG.clouds.alicloud["eu-central-1"].kms_instance}


@pytest.mark.parametrize("key", APPLYABLE)
def test_bucket_redundancy_comes_from_the_sourced_table(states: StateCatalogs, key: str) -> None:
    s, backend = states.synth(key, "planned"), backend_of(key)
    buckets = of_type(s, "alicloud:oss/bucket:Bucket") + of_type(s, "aws:s3/bucket:Bucket")
    assert len(buckets) == 2
    for b in buckets:
        assert b.protect and b.retain_on_delete and b.inputs["forceDestroy"] is False
        if backend == "alicloud":
            zrs = CATALOG.clouds.alicloud[CATALOG.regions[key].cloud.region_id].oss_zrs
            assert b.inputs["redundancyType"] == ("ZRS" if zrs else "LRS")


def test_zrs_only_where_offered() -> None:
    gb = synthesize(REPO / "stacks", "gb-lon-1")  # eu-west-1: no ZRS in the OSS disaster-recovery list
    assert {b.inputs["redundancyType"] for b in of_type(gb, "alicloud:oss/bucket:Bucket")} == {"LRS"}
    de = synthesize(REPO / "stacks", "de-fra-1")
    assert {b.inputs["redundancyType"] for b in of_type(de, "alicloud:oss/bucket:Bucket")} == {"ZRS"}


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_security_groups_guard_only_cloud_side_endpoints_from_the_colo_prefix_list(
    states: StateCatalogs, key: str, state: str
) -> None:
    s, backend = states.synth(key, state), backend_of(key)
    (plist,) = of_type(s, PREFIX_LIST[backend])
    entries = plist.inputs.get("entries") or []
    region = CATALOG.regions[key]
    assert sorted(e["cidr"] for e in entries) == sorted(
        [str(z.network.management) for z in region.zones] + [str(region.network.monitoring)]
    )
    groups = of_type(s, SG[backend])
    # the pools are bare-metal servers in a partner's cage: no group per pool, one per cloud-side endpoint
    assert sorted(g.name for g in groups) == sorted([f"{key}-mirror-sg"] + ([f"{key}-dns-sg"] if backend == "aws" else []))
    pools = {p.name for p in region.pools}
    assert not any(p in g.name.split("-") for g in groups for p in pools)
    for rule in of_type(s, SG_RULE[backend]):
        assert plist.urn in rule.property_dependencies["prefixListId"]  # an ECS prefix list for ECS rules
        assert not (rule.inputs.get("cidrIp") or rule.inputs.get("cidrIpv4"))


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_every_taggable_resource_carries_the_three_tags(states: StateCatalogs, key: str, state: str) -> None:
    s = states.synth(key, state)
    taggable = load_policies(REPO / "stacks").TAGGABLE
    tagged = [r for r in s.resources if "tags" in r.inputs]
    assert {r.type for r in tagged} == {r.type for r in s.resources if r.type in taggable}
    for r in tagged:
        assert r.inputs["tags"]["regionkit:region"] == key
        assert r.inputs["tags"]["regionkit:zone"] and r.inputs["tags"]["regionkit:partner"]
    for dxgw in of_type(s, "aws:directconnect/gateway:Gateway"):
        assert dxgw.inputs["tags"]["regionkit:region"] == key


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_providers_only_in_the_regions_data_regions(states: StateCatalogs, key: str, state: str) -> None:
    s = states.synth(key, state)
    region = CATALOG.regions[key]
    providers = [r for r in s.resources if r.type.startswith("pulumi:providers:")]
    assert providers and all(p.inputs["region"] in region.residency.data_regions for p in providers)
    assert all(r.provider for r in s.resources if r.custom and not r.type.startswith("pulumi:providers:"))


# --- guards ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_destroy_keeps_exactly_what_the_plan_says(states: StateCatalogs, key: str, state: str) -> None:
    s = states.synth(key, state)
    catalog = states.catalog(key, state)
    kept = plan_stack(catalog, catalog.region(key)).kept_on_destroy()
    protected = {r.name for r in s.resources if r.protect}
    assert protected == {k.name for k in kept}
    assert all(r.retain_on_delete for r in s.resources if r.protect)
    kinds = Counter(k.kind for k in kept)
    assert kinds["key"] == 1 and kinds["circuit"] == (0 if state == "planned" else len(CATALOG.regions[key].zones))


# --- registration ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", APPLYABLE)
def test_registration_is_exported_as_secrets_with_an_explicit_expiry(states: StateCatalogs, key: str) -> None:
    s, backend = states.synth(key, "planned"), backend_of(key)
    region = CATALOG.regions[key]
    regs = s.outputs["registration"]
    assert [r["group"] for r in regs] == [p["group"] for p in s.outputs["pools"]]
    if backend == "aws":
        assert region.registration is not None
        expires = dt.datetime.combine(region.registration.rotated + dt.timedelta(days=region.registration.valid_days), dt.time())
        activations = of_type(s, "aws:ssm/activation:Activation")
        assert len(activations) == len(region.pools)
        for act in activations:
            assert act.inputs["expirationDate"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
            assert act.replacement_trigger == region.registration.rotated.isoformat()  # the deliberate re-issue
        for i, r in enumerate(regs):
            assert r["obtained_at"] == "stack" and r["activation_code"] and r["activation_id"]
            assert {f"registration[{i}].activation_id", f"registration[{i}].activation_code"} <= set(s.secret_outputs)
    else:
        assert of_type(s, "alicloud:ecs/activation:Activation") == []  # no code would come back (4 h at most, no output)
        for r, pool in zip(regs, [p for z in region.zones for p in region.pools if p.zone == z.id], strict=True):
            assert r["obtained_at"] == "bootstrap" and "activation_code" not in r
            (request,) = r["create_activation"]
            zone = region.zone(pool.zone)
            assert zone is not None
            assert request["RegionId"] == region.cloud.region_id and request["IpAddressRange"] == str(zone.network.management)
            assert 1 <= request["InstanceCount"] <= 1000 and request["InstanceCount"] == pool.servers
            assert 1 <= request["TimeToLiveInHours"] <= 4 and len(request["Description"]) <= 100  # CreateActivation: 1 to 4
            assert 1 <= len(request["InstanceName"]) <= 50 and request["InstanceName"][0].isalpha()


def test_changing_the_rotation_date_re_issues_the_activations(stack_root, edit) -> None:  # type: ignore[no-untyped-def]
    before = synthesize(stack_root / "stacks", "br-sao-1")
    edit("br-sao-1", lambda d: d["registration"].update(rotated="2026-11-22"))
    after = synthesize(stack_root / "stacks", "br-sao-1")
    old = {r.name: r for r in of_type(before, "aws:ssm/activation:Activation")}
    new = {r.name: r for r in of_type(after, "aws:ssm/activation:Activation")}
    assert old.keys() == new.keys()
    for name in old:
        assert old[name].replacement_trigger != new[name].replacement_trigger
        assert new[name].inputs["expirationDate"] == "2026-12-22T00:00:00Z"


# --- outputs and counts ------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "state"), CASES, ids=IDS)
def test_outputs_are_the_one_contract(states: StateCatalogs, key: str, state: str) -> None:
    out = read_outputs(states.synth(key, state).outputs)
    region = CATALOG.regions[key]
    assert out.region == key and out.dns_zone.name == f"{key}.internal"
    assert out.mirror.bucket.endswith(f"{key}-artifacts") and out.mirror.endpoint.startswith("https://")
    assert out.network is not None and out.network.vpc_cidr == str(region.network.vpc)
    assert out.network.attached == (state == "enabled")
    assert {z: o.circuit.state for z, o in out.zones.items() if o.circuit} == {z.id: state for z in region.zones}
    assert [len(p.hosts) for p in out.pools] == [p.servers for z in region.zones for p in region.pools if p.zone == z.id]
    for reg in out.registration:  # the contract keeps activation secrets out of reprs and JSON dumps
        if reg.activation_code is not None:
            assert reg.activation_code.get_secret_value() and "**" in str(reg.activation_code)
            assert reg.activation_code.get_secret_value() not in out.model_dump_json()


@pytest.mark.parametrize("key", APPLYABLE)
def test_dns_records_follow_the_declaration(states: StateCatalogs, key: str) -> None:
    s, backend = states.synth(key, "planned"), backend_of(key)
    region = CATALOG.regions[key]
    counts = Counter(r.type for r in s.resources)
    assert counts["regionkit:zone:Zone"] == len(region.zones)
    assert counts["regionkit:pool:AcceleratorPool"] == len(region.pools)
    assert counts[RECORD[backend]] == sum(p.servers for p in region.pools) + 1  # and the package source's


@pytest.mark.parametrize("key", APPLYABLE)
def test_nodes_install_from_the_package_source_inside_the_region(states: StateCatalogs, key: str) -> None:
    s, backend = states.synth(key, "planned"), backend_of(key)
    region = CATALOG.regions[key]
    assert region.packages is not None
    source = s.outputs["package_source"]
    assert source == f"http://{region.packages.proxy}:{region.packages.port}"
    assert any(IPv4Address(str(region.packages.proxy)) in z.network.management for z in region.zones)
    records = [r for r in s.resources if r.type == RECORD[backend] and r.name == "packages-a"]
    assert len(records) == 1
    inputs = records[0].inputs
    if backend == "aws":
        assert inputs["name"] == f"packages.{key}.internal" and inputs["records"] == [str(region.packages.proxy)]
    else:
        assert inputs["rr"] == "packages" and inputs["value"] == str(region.packages.proxy)
    assert read_outputs(s.outputs).package_source == source


def test_stack_refuses_a_planned_region() -> None:
    from regionkit.errors import RegionkitError

    with pytest.raises(RegionkitError, match="planned"):
        synthesize(REPO / "stacks", "mx-qro-1")


def test_stack_refuses_a_provider_config_that_disagrees_with_the_catalog() -> None:
    from regionkit.errors import RegionkitError

    with pytest.raises(RegionkitError, match="make them agree"):
        synthesize(REPO / "stacks", "nl-ams-1", {"alicloud:region": "us-east-1"})


@pytest.mark.parametrize("key", sorted(CATALOG.regions))
def test_stack_file_declares_the_catalogs_secrets_provider(key: str) -> None:
    import yaml

    region = CATALOG.regions[key]
    path = REPO / "stacks" / f"Pulumi.{key}.yaml"
    if region.cloud.backend == "none":
        assert not path.exists()
        return
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["secretsprovider"] == region.cloud.secrets_provider
    assert doc["config"]["regionkit:region"] == key


def test_zones_keep_their_own_phase_in_one_region(stack_root, edit) -> None:  # type: ignore[no-untyped-def]
    """nl-ams-1a enabled, nl-ams-1b only ordered: the hub exists, yet only the enabled zone is peered."""
    enabled = {"state": "enabled", "location": "ap-a", "port": "10GBase-LR", "vlan_id": 201, "peer_asn": 64700}
    ordered = {"state": "ordered", "location": "ap-b", "port": "1000Base-LX"}
    edit("nl-ams-1", lambda d: d["zones"][0].update(link=enabled) or d["zones"][1].update(link=ordered))
    s = synthesize(stack_root / "stacks", "nl-ams-1")
    assert sorted(r.zone for r in of_type(s, CIRCUIT["alicloud"])) == ["nl-ams-1a", "nl-ams-1b"]
    assert [r.zone for r in of_type(s, BORDER["alicloud"])] == ["nl-ams-1a"]
    assert len(of_type(s, "alicloud:cen/transitRouterVbrAttachment:TransitRouterVbrAttachment")) == 1
    assert {r.name for r in s.resources if r.protect} >= {"nl-ams-1a-am3", "nl-ams-1b-am4"}


def test_hosted_connections_are_accepted_not_ordered(stack_root, edit) -> None:  # type: ignore[no-untyped-def]
    hosted = {"kind": "hosted", "location": "EqSP3", "bandwidth": "500Mbps", "connection_id": "dxcon-fgabc123"}
    edit("br-sao-1", lambda d: d["zones"][0].update(link={**hosted, "state": "ordered"}))
    s = synthesize(stack_root / "stacks", "br-sao-1")
    assert of_type(s, CIRCUIT["aws"]) == []  # the partner's port: nothing of ours to order
    (accepted,) = of_type(s, "aws:directconnect/connectionConfirmation:ConnectionConfirmation")
    assert accepted.inputs["connectionId"] == "dxcon-fgabc123" and accepted.protect and accepted.retain_on_delete
    edit("br-sao-1", lambda d: d["zones"][0].update(link={**hosted, "state": "enabled", "vlan_id": 311, "peer_asn": 64700}))
    s = synthesize(stack_root / "stacks", "br-sao-1")
    (vif,) = of_type(s, BORDER["aws"])
    assert vif.inputs["connectionId"] == "dxcon-fgabc123" and vif.inputs["vlan"] == 311


def test_alicloud_hosted_link_gets_its_border_router_on_the_partners_circuit(stack_root, edit) -> None:  # type: ignore[no-untyped-def]
    hosted = {
        "kind": "hosted",
        "location": "ap-a",
        "bandwidth": "1G",
        "connection_id": "pc-partner01",
        "vlan_id": 12,
        "peer_asn": 64700,
    }
    edit("gb-lon-1", lambda d: d["zones"][0].update(link={**hosted, "state": "enabled"}))
    s = synthesize(stack_root / "stacks", "gb-lon-1")
    assert of_type(s, CIRCUIT["alicloud"]) == []
    (vbr,) = of_type(s, BORDER["alicloud"])
    assert vbr.inputs["physicalConnectionId"] == "pc-partner01" and vbr.inputs["vlanId"] == 12


def test_a_four_byte_partner_asn_uses_the_providers_long_field(stack_root, edit) -> None:  # type: ignore[no-untyped-def]
    link = {"state": "enabled", "location": "EqSP3", "port": "10Gbps", "vlan_id": 311, "peer_asn": 4200000100}
    edit("br-sao-1", lambda d: d["zones"][0].update(link=link))
    (vif,) = of_type(synthesize(stack_root / "stacks", "br-sao-1"), BORDER["aws"])
    assert vif.inputs["bgpAsnLong"] == "4200000100" and "bgpAsn" not in vif.inputs
