"""The naming functions of the generator, one by one, and module names for unmapped namespaces."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest

from generator import naming
from tests.xsd_harness import generate_files


@pytest.mark.parametrize(
    ("xml_name", "words"),
    [
        ("KillChainPhaseType", ["Kill", "Chain", "Phase", "Type"]),
        ("Kill_Chain_Phase", ["Kill", "Chain", "Phase"]),
        ("STIXHeaderType", ["STIX", "Header", "Type"]),
        ("TTPs", ["TTPs"]),
        ("PackageIntentVocab-1.0", ["Package", "Intent", "Vocab", "1", "0"]),
        ("IPv4Address", ["IPv4", "Address"]),
        ("ICMPv6_Header", ["ICMPv6", "Header"]),
        ("Layer3_Protocol", ["Layer3", "Protocol"]),
        ("SHA256", ["SHA256"]),
        ("x509Certificate", ["x509", "Certificate"]),
        ("dwXSize", ["dw", "X", "Size"]),
        ("3d", ["3d"]),
        ("e_cblp", ["e", "cblp"]),
        ("", []),
        ("--", []),
    ],
)
def test_split_words(xml_name: str, words: list[str]) -> None:
    assert naming.split_words(xml_name) == words


@pytest.mark.parametrize(
    ("xml_name", "expected"),
    [
        ("KillChainPhase", "KillChainPhase"),
        ("Kill_Chain_Phase", "KillChainPhase"),
        ("STIX_Package", "STIXPackage"),
        ("fooType", "FooType"),
        ("PackageIntentVocab-1.0", "PackageIntentVocab_1_0"),
        ("3DES", "T3DES"),
        ("class", "Class"),
        ("property", "Property"),
        ("", "Unnamed"),
        ("日本", "Unnamed"),
    ],
)
def test_class_name(xml_name: str, expected: str) -> None:
    name = naming.class_name(xml_name)

    assert name == expected
    assert name.isidentifier()
    assert not keyword.iskeyword(name)


@pytest.mark.parametrize(
    ("xml_name", "expected"),
    [
        ("KillChainPhaseType", "KillChainPhase"),
        ("STIXHeaderType", "STIXHeader"),
        ("Foo_BarType", "FooBar"),
        ("fooType", "Foo"),
        ("Type", "Type"),
        ("type", "Type"),
        ("TypeType", "Type"),
        ("ControlledVocabularyStringType", "ControlledVocabularyString"),
    ],
)
def test_type_class_name(xml_name: str, expected: str) -> None:
    assert naming.type_class_name(xml_name) == expected


@pytest.mark.parametrize(
    ("xml_name", "expected"),
    [
        ("Kill_Chain_Phase", "kill_chain_phase"),
        ("STIX_Header", "stix_header"),
        ("phase_id", "phase_id"),
        ("TTPs", "ttps"),
        ("IPv4_Header", "ipv4_header"),
        ("3d", "field_3d"),
        ("", "field"),
    ],
)
def test_field_name(xml_name: str, expected: str) -> None:
    assert naming.field_name(xml_name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("kill_chain_phase", "kill_chain_phases"),
        ("ttps", "ttps"),
        ("address", "addresses"),
        ("analysis", "analyses"),
        ("status", "statuses"),
        ("box", "boxes"),
        ("match", "matches"),
        ("policy", "policies"),
        ("day", "days"),
        ("layer3", "layer3_list"),
        ("item_1", "item_1_list"),
        ("course_of_action", "courses_of_action"),
        ("indicator_warning_of_attack", "indicator_warnings_of_attack"),
        ("layer_of_item_1", "layers_of_item_1"),
        ("item_1_of_set", "item_1_of_set_list"),
        ("of_record", "of_records"),
        ("record_of", "record_ofs"),
        ("targeted_information", "targeted_information"),
        ("pgp_data", "pgp_data"),
        ("any", "any_elements"),
    ],
)
def test_plural(name: str, expected: str) -> None:
    assert naming.plural(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("id", "id_"),
        ("type", "type_"),
        ("class", "class_"),
        ("from", "from_"),
        ("property", "property_"),
        ("match", "match_"),
        ("element", "element_"),
        ("to_xml", "to_xml_"),
        ("validate", "validate_"),
        ("self", "self_"),
        ("name", "name"),
        ("kill_chain_phases", "kill_chain_phases"),
    ],
)
def test_safe_field_name(name: str, expected: str) -> None:
    assert naming.safe_field_name(name) == expected


def test_safe_field_name_covers_runtime_names() -> None:
    from generated.runtime.objects import RESERVED_NAMES

    assert naming.RESERVED_FIELD_NAMES == RESERVED_NAMES
    for name in RESERVED_NAMES:
        assert naming.safe_field_name(name) == name + "_"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Threat Report", "THREAT_REPORT"),
        ("dark green", "DARK_GREEN"),
        ("Not-Applicable", "NOT_APPLICABLE"),
        ("None", "NONE"),
        ("3d", "VALUE_3D"),
        ("SHA256", "SHA256"),
        ("", "EMPTY"),
        ("¿?", "EMPTY"),
    ],
)
def test_member_name(value: str, expected: str) -> None:
    assert naming.member_name(value) == expected


def test_unique_prefers_alternative() -> None:
    taken = {"Foo"}

    assert naming.unique("Bar", taken) == "Bar"
    assert naming.unique("Foo", taken, "FooType") == "FooType"
    assert naming.unique("Foo", taken, "FooType") == "Foo2"
    assert naming.unique("Foo", taken) == "Foo3"
    assert taken == {"Foo", "Bar", "FooType", "Foo2", "Foo3"}


@pytest.mark.parametrize(
    ("namespace", "module"),
    [
        ("http://example.com/schemas/kill-chain", "kill_chain"),
        ("http://example.com/class", "class_module"),
        ("http://example.com/runtime", "runtime_module"),
        ("urn:example:things", "urn_example_things"),
    ],
)
def test_module_for_unmapped_namespace(tmp_path: Path, namespace: str, module: str) -> None:
    schema = f"""
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{namespace}">
          <xs:complexType name="ThingType"><xs:attribute name="a" type="xs:string"/></xs:complexType>
        </xs:schema>"""

    generation = generate_files(tmp_path, {"thing.xsd": schema}, modules={})

    assert list(generation.package.modules) == [module]
    assert generation.report.warnings == [
        f"thing.xsd: ThingType: namespace {namespace} has no module in the manifest; using {module}"
    ]
    compile(generation.files[f"{module}.py"], f"{module}.py", "exec")


def test_unmapped_namespaces_get_distinct_modules(tmp_path: Path) -> None:
    schemas = {
        f"{index}.xsd": f"""
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{namespace}">
              <xs:complexType name="ThingType"><xs:attribute name="a" type="xs:string"/></xs:complexType>
            </xs:schema>"""
        for index, namespace in enumerate(["http://a.example/items", "http://b.example/items"])
    }

    generation = generate_files(tmp_path, schemas, modules={})

    assert sorted(generation.package.modules) == ["items", "items2"]
    namespaces = {module.namespace for module in generation.package.modules.values()}
    assert namespaces == {"http://a.example/items", "http://b.example/items"}
