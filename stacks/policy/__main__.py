"""The regionkit policy pack. The engine runs this (`regionkit up` passes `--policy-pack`);
tests call the functions in policies.py directly, since constructing a PolicyPack starts a
server and blocks."""

from pulumi_policy import EnforcementLevel, PolicyPack

from policies import POLICIES

PolicyPack(name="regionkit-sovereignty", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
