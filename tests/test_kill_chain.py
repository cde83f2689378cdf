"""The kill-chain idiom: build it through the API, read it back, and round-trip the real documents."""

from __future__ import annotations

import contextlib
import io
import runpy
import textwrap
from pathlib import Path

from lxml import etree

from generated import stix_1_2
from generator.infoset import compare_documents
from tests.conftest import corpus_file

STIX_COMMON = "http://stix.mitre.org/common-1"
PHASES = [
    ("stix:TTP-af1016d6-a744-4ed7-ac91-00fe2272185a", "Reconnaissance"),
    ("stix:TTP-445b4827-3cca-42bd-8421-f2e947133c16", "Weaponization"),
    ("stix:TTP-79a0e041-9d5f-49bb-ada4-8322622b162d", "Delivery"),
    ("stix:TTP-f706e4e7-53d8-44ef-967f-81535c9db7d0", "Exploitation"),
    ("stix:TTP-e1e4e3f7-be3b-4b39-b80a-a593cfd99a4f", "Installation"),
    ("stix:TTP-d6dc32b9-2538-4951-8733-3cb9ef1daae2", "Command and Control"),
    ("stix:TTP-786ca8f9-2d9a-4213-b38e-399af4a2e5d6", "Actions on Objectives"),
]

# The producer script of the STIX "Defining a Kill Chain" idiom, with only its
# imports changed to the generated package and `print` made a function.
PRODUCER = '''
from generated.stix_1_2 import STIXPackage, STIXHeader, KillChain, KillChainPhase

stix_pkg = STIXPackage()
stix_header = STIXHeader()
stix_header.title = "Kill Chain Definition"
stix_pkg.stix_header = stix_header


# create LM-style kill chain
# REF: http://stix.mitre.org/language/version1.1.1/stix_v1.1.1_lmco_killchain.xml

recon = KillChainPhase(phase_id="stix:TTP-af1016d6-a744-4ed7-ac91-00fe2272185a", name="Reconnaissance", ordinality="1")
weapon = KillChainPhase(phase_id="stix:TTP-445b4827-3cca-42bd-8421-f2e947133c16", name="Weaponization", ordinality="2")
deliver = KillChainPhase(phase_id="stix:TTP-79a0e041-9d5f-49bb-ada4-8322622b162d", name="Delivery", ordinality="3")
exploit = KillChainPhase(phase_id="stix:TTP-f706e4e7-53d8-44ef-967f-81535c9db7d0", name="Exploitation", ordinality="4")
install = KillChainPhase(phase_id="stix:TTP-e1e4e3f7-be3b-4b39-b80a-a593cfd99a4f", name="Installation", ordinality="5")
control = KillChainPhase(phase_id="stix:TTP-d6dc32b9-2538-4951-8733-3cb9ef1daae2", name="Command and Control", ordinality="6")
action = KillChainPhase(phase_id="stix:TTP-786ca8f9-2d9a-4213-b38e-399af4a2e5d6", name="Actions on Objectives", ordinality="7")

chain = KillChain(id_="stix:TTP-af3e707f-2fb9-49e5-8c37-14026ca0a5ff", name="LM Cyber Kill Chain")
chain.definer = "LMCO"

chain.kill_chain_phases = [recon,weapon,deliver,exploit,install,control,action]
stix_pkg.ttps.kill_chains.append(chain)

print(stix_pkg.to_xml())
'''

# The consumer script of the same idiom, with `print` made a function.
CONSUMER = '''
print("== TTP ==")
for chain in pkg.ttps.kill_chains:
    print("Name: " + chain.name)
    print("Definer: " + chain.definer)

    for phase in chain.kill_chain_phases:
        print("Phase: " + str(phase.name))
'''


def run_script(source: str, tmp_path: Path, namespace: dict[str, object] | None = None) -> str:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        runpy.run_path(str(script), init_globals=namespace or {})
    return output.getvalue()


def lockheed_martin_chain(document: bytes | Path) -> etree._Element:
    """Return the `Kill_Chain` element of the Lockheed Martin chain in a document."""
    tree = etree.parse(str(document)) if isinstance(document, Path) else etree.fromstring(document).getroottree()
    chains = [
        chain
        for chain in tree.iter(f"{{{STIX_COMMON}}}Kill_Chain")
        if chain.get("name") == "LM Cyber Kill Chain"
    ]
    assert len(chains) == 1
    return chains[0]


def test_producer_script_runs_and_consumer_reads_it(tmp_path: Path) -> None:
    produced = run_script(PRODUCER, tmp_path)
    assert produced.startswith("<stix:STIX_Package")

    package = stix_1_2.parse(produced.strip())
    printed = run_script(CONSUMER, tmp_path, {"pkg": package})

    expected = ["== TTP ==", "Name: LM Cyber Kill Chain", "Definer: LMCO"]
    expected += [f"Phase: {name}" for _, name in PHASES]
    assert printed.splitlines() == expected


def test_produced_kill_chain_equals_idiom(tmp_path: Path) -> None:
    idiom = corpus_file("idioms/documentation_idioms_kill-chain_kill-chain.xml")
    produced = run_script(PRODUCER, tmp_path).strip().encode("utf-8")

    expected = lockheed_martin_chain(idiom)
    actual = lockheed_martin_chain(produced)

    differences = compare_documents(etree.ElementTree(expected), etree.ElementTree(actual))
    assert differences == []


def test_produced_package_has_title_and_ordered_phases(tmp_path: Path) -> None:
    produced = run_script(PRODUCER, tmp_path).strip()
    package = stix_1_2.parse(produced)

    assert isinstance(package, stix_1_2.STIXPackage)
    assert package.stix_header is not None
    assert package.stix_header.title == "Kill Chain Definition"
    phases = package.ttps.kill_chains[0].kill_chain_phases
    assert [phase.ordinality for phase in phases] == [1, 2, 3, 4, 5, 6, 7]
    assert [(phase.phase_id, phase.name) for phase in phases] == PHASES


def test_new_package_writes_no_empty_containers() -> None:
    package = stix_1_2.STIXPackage()
    assert len(package.ttps.kill_chains) == 0
    assert package.to_xml() == '<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"/>'


def test_kill_chain_documents_round_trip() -> None:
    for relative in (
        "idioms/documentation_idioms_kill-chain_kill-chain.xml",
        "schemas-samples-1.2/STIX_Use_Case_Examples_content_Phishing_STIX-LMCO_KillChain_Specification.xml",
    ):
        path = corpus_file(relative)
        written = stix_1_2.parse(path).to_bytes()
        assert compare_documents(path.read_bytes(), written) == [], relative
