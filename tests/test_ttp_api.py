"""A TTP built through the API serialises to a document valid against the STIX 1.2 XSDs."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from generated import stix_1_2
from generated.stix_1_2 import (
    TTP,
    AttackPattern,
    Behavior,
    Identity,
    KillChainPhaseReference,
    MalwareInstance,
    RelatedExploitTarget,
    Resource,
    STIXPackage,
    StructuredText,
    ToolInformation,
    VictimTargeting,
)
from generated.stix_1_2.exploit_target import ExploitTarget

# The package top exports the STIX core `ExploitTargets` (the package-level list);
# the TTP's list of related exploit targets is the TTP module's own class.
from generated.stix_1_2.ttp import ExploitTargets
from generator.bundles import BundleError, load_manifest
from generator.infoset import compare_documents
from generator.load import load_bundle


@pytest.fixture(scope="module")
def schema() -> Any:
    manifest = load_manifest("stix-1.2")
    if not manifest.default_xsd_dir.is_dir():
        pytest.skip("the STIX 1.2 XSDs are not fetched; run `stixgen fetch` first")
    try:
        return load_bundle(manifest).schema
    except BundleError as error:
        pytest.skip(f"the STIX 1.2 bundle cannot be loaded: {error}")


def build_ttp() -> TTP:
    ttp = TTP(id_="stix:ttp-1", title="Phishing with a malicious attachment", version="1.2")
    ttp.descriptions.append(StructuredText(value="Spear phishing that drops a remote access tool."))

    behavior = Behavior()
    behavior.attack_patterns.append(
        AttackPattern(capec_id="CAPEC-163", title="Spear Phishing")
    )
    behavior.malware.append(MalwareInstance(id_="stix:malware-1", title="Poison Ivy"))
    ttp.behavior = behavior

    resources = Resource()
    resources.tools.append(ToolInformation(name="Poison Ivy builder"))
    ttp.resources = resources

    targeting = VictimTargeting()
    targeting.identity = Identity(name="Defense industry")
    ttp.victim_targeting = targeting

    ttp.kill_chain_phases.append(
        KillChainPhaseReference(
            phase_id="stix:TTP-79a0e041-9d5f-49bb-ada4-8322622b162d",
            kill_chain_id="stix:TTP-af3e707f-2fb9-49e5-8c37-14026ca0a5ff",
            name="Delivery",
            ordinality=3,
        )
    )

    exploit_targets = ExploitTargets()
    related = RelatedExploitTarget()
    related.exploit_target = ExploitTarget(idref="stix:et-1")
    exploit_targets.exploit_targets.append(related)
    ttp.exploit_targets = exploit_targets
    return ttp


def test_ttp_built_through_api_validates(schema: Any) -> None:
    package = STIXPackage(id_="stix:package-1", version="1.2")
    package.ttps.ttps.append(build_ttp())
    document = etree.fromstring(package.to_bytes())

    errors = [f"{error.path}: {error.reason}" for error in schema.iter_errors(document)]
    assert errors == []


def test_ttp_serialises_in_schema_order() -> None:
    ttp = build_ttp()
    children = [etree.QName(child).localname for child in ttp.element]
    assert children == [
        "Title",
        "Description",
        "Behavior",
        "Resources",
        "Victim_Targeting",
        "Exploit_Targets",
        "Kill_Chain_Phases",
    ]


def test_ttp_reads_back_equal() -> None:
    package = STIXPackage(id_="stix:package-2", version="1.2")
    package.ttps.ttps.append(build_ttp())
    written = package.to_bytes()

    again = stix_1_2.parse(written)
    assert isinstance(again, STIXPackage)
    ttp = again.ttps.ttps[0]
    assert isinstance(ttp, TTP)
    assert ttp.behavior is not None
    assert [pattern.capec_id for pattern in ttp.behavior.attack_patterns] == ["CAPEC-163"]
    assert ttp.kill_chain_phases[0].ordinality == 3
    assert compare_documents(written, again.to_bytes()) == []
