"""`generated.parse`: the bundle is picked from the document's root element.

The committed bundles are STIX 1.2 (MITRE namespaces) and STIX 1.2.1 (OASIS
namespaces). Both ship the MAEC schemas under the same namespaces, so a MAEC
root is matched by the CybOX namespaces the document uses.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import generated
from generated.runtime import UnknownRootError
from generator import cli
from generator.infoset import compare_documents
from tests.conftest import CORPUS, REPOSITORY, corpus_file

SAMPLES_1_2_1 = "schemas-samples-1.2.1"
MITRE_STIX = "http://stix.mitre.org/stix-1"
MAEC_SAMPLE = "MAEC_CybOX_STIX_Flow_Example_flow_example(1of3)-maec_anubis_output.xml"
KILL_CHAIN = "idioms/documentation_idioms_kill-chain_kill-chain.xml"


def _bundle_name(obj: object) -> str:
    return type(obj)._bundle.name  # type: ignore[attr-defined]


def test_committed_bundles_in_release_order() -> None:
    names = [bundle.name for bundle in generated.available_bundles()]

    assert names == ["stix-1.2", "stix-1.2.1"]


def test_samples_1_2_1_round_trip_through_parse(capsys: pytest.CaptureFixture[str]) -> None:
    folder = CORPUS / SAMPLES_1_2_1
    documents = sorted(folder.glob("*.xml"))
    if not documents:
        pytest.skip(f"sample corpus not found at {folder} (it sits beside the repository as shared/corpus)")

    equal = []
    failures = {}
    for path in documents:
        obj = generated.parse(path)
        differences = compare_documents(path.read_bytes(), obj.to_bytes())
        if _bundle_name(obj) != "stix-1.2.1":
            failures[path.name] = f"read with bundle {_bundle_name(obj)}"
        elif differences:
            failures[path.name] = f"{len(differences)} differences, first: {differences[0]}"
        else:
            equal.append(path.name)

    with capsys.disabled():
        print(f"\n{len(equal)} of {len(documents)} STIX 1.2.1 sample documents round-trip through generated.parse")

    assert failures == {}
    assert len(equal) == len(documents)


def test_maec_root_picks_bundle_by_cybox_namespaces() -> None:
    oasis = generated.parse(corpus_file(f"{SAMPLES_1_2_1}/{MAEC_SAMPLE}"))
    mitre = generated.parse(corpus_file(f"schemas-samples-1.2/{MAEC_SAMPLE}"))

    assert type(oasis).__name__ == type(mitre).__name__ == "MAECPackage"
    assert _bundle_name(oasis) == "stix-1.2.1"
    assert _bundle_name(mitre) == "stix-1.2"


def test_maec_root_without_cybox_goes_to_earliest_release() -> None:
    document = (
        '<maecPackage:MAEC_Package xmlns:maecPackage="http://maec.mitre.org/XMLSchema/maec-package-2" '
        'id="example:package-1" schema_version="2.1"/>'
    )

    assert _bundle_name(generated.parse(document)) == "stix-1.2"


def test_mitre_stix_versions_pick_stix_1_2() -> None:
    for version in ("1.0", "1.1.1", "1.2"):
        document = f'<stix:STIX_Package xmlns:stix="{MITRE_STIX}" version="{version}"/>'

        assert _bundle_name(generated.parse(document)) == "stix-1.2", version


def test_kill_chain_idiom_round_trips_through_parse() -> None:
    path = corpus_file(KILL_CHAIN)

    obj = generated.parse(path)

    assert _bundle_name(obj) == "stix-1.2"
    assert compare_documents(path.read_bytes(), obj.to_bytes()) == []


def test_unknown_namespace_names_namespace_and_bundles() -> None:
    document = '<x:Report xmlns:x="urn:example:not-stix"/>'

    with pytest.raises(UnknownRootError) as caught:
        generated.parse(document)

    message = str(caught.value)
    assert "urn:example:not-stix" in message
    assert "stix-1.2, stix-1.2.1" in message
    assert caught.value.line == 1


def test_unknown_version_is_rejected_in_strict_mode() -> None:
    path = corpus_file("ramrod/samples_stix_invalid_version.xml")

    with pytest.raises(UnknownRootError) as caught:
        generated.parse(path)

    message = str(caught.value)
    assert MITRE_STIX in message
    assert "'27.4'" in message
    assert "stix-1.2 accepts 1.0, 1.0.1, 1.1, 1.1.1, 1.2" in message
    assert caught.value.source == str(path)


def test_unknown_version_is_read_leniently(caplog: pytest.LogCaptureFixture) -> None:
    path = corpus_file("ramrod/samples_stix_invalid_version.xml")

    with caplog.at_level(logging.WARNING, logger="generated"):
        obj = generated.parse(path, strict=False)

    assert _bundle_name(obj) == "stix-1.2"
    assert any("'27.4'" in record.getMessage() for record in caplog.records)
    assert compare_documents(path.read_bytes(), obj.to_bytes()) == []


def test_document_without_version_is_read_by_namespace() -> None:
    path = corpus_file("ramrod/samples_stix_no_version.xml")

    obj = generated.parse(path)

    assert _bundle_name(obj) == "stix-1.2"
    assert obj.version is None  # type: ignore[attr-defined]
    assert compare_documents(path.read_bytes(), obj.to_bytes()) == []


def test_version_of_other_release_is_rejected() -> None:
    document = f'<stix:STIX_Package xmlns:stix="{MITRE_STIX}" version="stix-1.2.1"/>'

    with pytest.raises(UnknownRootError, match="no release of the bundles available"):
        generated.parse(document)


def test_package_import_loads_no_bundle() -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import generated

        loaded = sorted(name for name in sys.modules if name.startswith("generated.stix"))
        print("after import:", loaded)

        generated.parse({str(corpus_file(KILL_CHAIN))!r})
        modules = sorted(name for name in sys.modules if name.startswith("generated.stix_1_2_1."))
        print("after parse:", modules)
        """
    )

    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, check=True, timeout=60
    )

    lines = completed.stdout.splitlines()
    assert lines[0] == "after import: []"
    # Choosing a bundle imports each bundle's tables, but a STIX 1.2 document
    # loads no binding module of STIX 1.2.1.
    assert lines[1] == "after parse: ['generated.stix_1_2_1._bundle']"


def test_roundtrip_command_picks_bundle_per_document(capsys: pytest.CaptureFixture[str]) -> None:
    documents = [corpus_file(KILL_CHAIN), corpus_file(f"{SAMPLES_1_2_1}/STIX_IP_Watchlist.xml")]

    status = cli.main(["roundtrip", *map(str, documents)])

    output = capsys.readouterr().out
    assert status == cli.EXIT_OK
    assert "2 of 2 documents round-trip without loss" in output


def test_roundtrip_command_with_bundle_uses_that_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    document = corpus_file(f"{SAMPLES_1_2_1}/STIX_IP_Watchlist.xml")

    status = cli.main(["roundtrip", "--bundle", "stix-1.2", str(document)])

    # A document that cannot be read is reported on standard error.
    errors = capsys.readouterr().err
    assert status == cli.EXIT_UNUSABLE
    assert "not a global element of bundle stix-1.2" in errors


def test_parse_reports_source_of_unknown_root(tmp_path: Path) -> None:
    document = tmp_path / "other.xml"
    document.write_text('<other xmlns="urn:example:other"/>', encoding="utf-8")

    with pytest.raises(UnknownRootError) as caught:
        generated.parse(document)

    assert caught.value.source == str(document)
    assert str(document) in str(caught.value)
