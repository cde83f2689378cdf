"""Schema validation of documents and object trees against the STIX 1.2 bundle.

The verdicts on the validator examples are checked against libxml2, which
validates the same files with an umbrella schema built from the same XSD files.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
from lxml import etree

from generated import stix_1_2
from generated.runtime import ValidationError, ValidationIssue, validate_document
from generated.stix_1_2 import KillChain, KillChainPhase, STIXHeader, STIXPackage
from generated.stix_1_2.indicator import CompositeIndicatorExpression, Indicator, RelatedCampaignReferences
from generated.stix_1_2.stix_common import RelatedCampaignReference
from generator import cli
from generator.load import XML_SCHEMA_REMOTE_URLS, XML_SCHEMA_URI
from generator.validation import BundleValidator, validator_for
from tests.conftest import REPOSITORY, corpus_file

EXAMPLES = "validator-examples"

# Verdicts of libxml2 on the validator examples, with the line of each error
# (measured with `libxml2_schema` below).
EXPECTED_VERDICTS = {
    "stix_all_valid.xml": [],
    "stix_best_practice_invalid.xml": [],
    "stix_profile_invalid.xml": [],
    "cybox_schema_valid.xml": [],
    "stix_schema_invalid.xml": [15],
    "cybox_schema_invalid.xml": [13],
}

STIX_NAMESPACES = (
    'xmlns:stix="http://stix.mitre.org/stix-1" '
    'xmlns:stixCommon="http://stix.mitre.org/common-1" '
    'xmlns:stixVocabs="http://stix.mitre.org/default_vocabularies-1" '
    'xmlns:ttp="http://stix.mitre.org/TTP-1" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:example="http://example.com/"'
)


@pytest.fixture(scope="module")
def validator() -> BundleValidator:
    if not (REPOSITORY / "schemas" / "stix-1.2" / "xsd").is_dir():
        pytest.skip("the STIX 1.2 XSD files are not fetched; run `stixgen fetch` first")
    return validator_for("stix-1.2")


class _LocalSchemas(etree.Resolver):
    """Resolve the XML namespace schema to the local copy and refuse every other remote URL."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url in XML_SCHEMA_REMOTE_URLS:
            return self.resolve_filename(url2pathname(urlsplit(XML_SCHEMA_URI).path), context)
        if urlsplit(system_url).scheme in ("http", "https"):
            raise AssertionError(f"libxml2 asked for the remote schema {system_url}")
        return None


def libxml2_schema(validator: BundleValidator) -> etree.XMLSchema:
    """Build the bundle with libxml2 from the same files that the xmlschema loader imports."""
    loaded = validator.loaded
    imports = "\n".join(
        f'  <xs:import namespace="{namespace}" schemaLocation="{(loaded.xsd_dir / path).as_uri()}"/>'
        for namespace, path in loaded.namespace_locations.items()
    )
    umbrella = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:test:umbrella">\n'
        f"{imports}\n</xs:schema>"
    )
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalSchemas())
    document = etree.fromstring(umbrella.encode(), parser, base_url=loaded.xsd_dir.as_uri() + "/")
    return etree.XMLSchema(etree.ElementTree(document))


def error_lines(schema: etree.XMLSchema, path: Path) -> list[int]:
    tree = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
    schema.validate(tree)
    return sorted({error.line for error in schema.error_log})


def error_lines_of(schema: etree.XMLSchema, document: bytes) -> list[int]:
    schema.validate(etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False)))
    return sorted({error.line for error in schema.error_log})


def stix_document(body: str, attributes: str = "") -> bytes:
    return (
        f'<stix:STIX_Package {STIX_NAMESPACES} id="example:Package-1" version="1.2"{attributes}>\n'
        f"{textwrap.dedent(body).strip()}\n</stix:STIX_Package>\n"
    ).encode()


def test_libxml2_verdicts_on_examples(validator: BundleValidator) -> None:
    schema = libxml2_schema(validator)

    for name, lines in EXPECTED_VERDICTS.items():
        assert error_lines(schema, corpus_file(f"{EXAMPLES}/{name}")) == lines, name


def test_example_verdicts_match_libxml2(validator: BundleValidator) -> None:
    for name, lines in EXPECTED_VERDICTS.items():
        path = corpus_file(f"{EXAMPLES}/{name}")
        issues = validate_document(path, "stix-1.2")

        assert sorted({issue.line for issue in issues}) == lines, (name, issues)


def test_package_validate_function(validator: BundleValidator) -> None:
    path = corpus_file(f"{EXAMPLES}/stix_schema_invalid.xml")

    assert stix_1_2.validate(path) == validate_document(path, "stix-1.2")
    assert stix_1_2.validate(corpus_file(f"{EXAMPLES}/stix_all_valid.xml")) == []


def test_errors_name_file_line_path_rule(validator: BundleValidator) -> None:
    path = corpus_file(f"{EXAMPLES}/stix_schema_invalid.xml")

    [issue] = validate_document(path, "stix-1.2")

    assert issue.source == str(path)
    assert issue.line == 15
    assert issue.path == "/stix:STIX_Package/stix:STIX_Header[1]/stix:Package_Intent[1]"
    assert "'INVALID' is not one of the values" in issue.message
    assert "'Indicators - Watchlist'" in issue.message
    assert str(issue).startswith(f"{path}: line 15: /stix:STIX_Package/")


def test_unexpected_child_names_child(validator: BundleValidator) -> None:
    path = corpus_file(f"{EXAMPLES}/cybox_schema_invalid.xml")

    [issue] = validate_document(path, "stix-1.2")

    assert issue.line == 13
    assert issue.path is not None and issue.path.endswith("/cybox:Properties[1]/URIObject:INVALID_ELEMENT[1]")
    assert issue.message == (
        "element URIObject:INVALID_ELEMENT is not allowed at this position in element "
        "cybox:Properties (type URIObject:URIObjectType)"
    )


def test_every_error_is_reported(validator: BundleValidator) -> None:
    document = stix_document(
        """
        <stix:STIX_Header>
          <stix:Title>One</stix:Title>
          <stix:Title>Two</stix:Title>
          <stix:Package_Intent xsi:type="stixVocabs:PackageIntentVocab-1.0">Nonsense</stix:Package_Intent>
        </stix:STIX_Header>
        """,
        ' timestamp="yesterday" colour="red"',
    )

    issues = validate_document(document, "stix-1.2")
    by_path = {issue.path: issue for issue in issues}

    assert len(issues) == 4, issues
    assert "'yesterday' is not a valid xs:dateTime" in by_path["/stix:STIX_Package/@timestamp"].message
    assert "attribute colour is not allowed on element stix:STIX_Package" in by_path["/stix:STIX_Package"].message
    title = by_path["/stix:STIX_Package/stix:STIX_Header[1]/stix:Title[2]"]
    assert title.line == 4
    assert "may occur at most once" in title.message
    intent = by_path["/stix:STIX_Package/stix:STIX_Header[1]/stix:Package_Intent[1]"]
    assert "'Nonsense'" in intent.message


def test_document_prefixes_in_path(validator: BundleValidator) -> None:
    document = b"""<s:STIX_Package xmlns:s="http://stix.mitre.org/stix-1" version="1.2">
  <s:STIX_Header><s:Title>a</s:Title><s:Title>b</s:Title></s:STIX_Header>
</s:STIX_Package>"""

    [issue] = validate_document(document, "stix-1.2")

    assert issue.path == "/s:STIX_Package/s:STIX_Header[1]/s:Title[2]"
    assert issue.line == 2


def test_unknown_xsi_type_reported_once(validator: BundleValidator) -> None:
    document = stix_document(
        """
        <stix:TTPs>
          <stix:TTP xsi:type="example:VendorTTPType" id="example:ttp-1">
            <example:Anything>kept</example:Anything>
          </stix:TTP>
        </stix:TTPs>
        """
    )

    issues = validate_document(document, "stix-1.2")

    assert len(issues) == 1, issues
    assert issues[0].path == "/stix:STIX_Package/stix:TTPs[1]/stix:TTP[1]"
    assert "does not define" in issues[0].message


def test_comment_in_simple_content(validator: BundleValidator) -> None:
    # xmlschema alone counts the comment as a child element of the title.
    document = stix_document(
        """
        <stix:STIX_Header>
          <stix:Title><!-- a comment -->Kill chain</stix:Title>
        </stix:STIX_Header>
        """
    )

    assert validate_document(document, "stix-1.2") == []


def test_malformed_document_raises(validator: BundleValidator) -> None:
    from generated.runtime import MalformedXMLError

    with pytest.raises(MalformedXMLError):
        validate_document(b"<stix:STIX_Package", "stix-1.2")


def test_object_valid(validator: BundleValidator) -> None:
    package = STIXPackage(version="1.2")
    package.stix_header = STIXHeader(title="Kill chains")
    chain = KillChain(name="LM Cyber Kill Chain")
    chain.kill_chain_phases = [KillChainPhase(name="Reconnaissance", ordinality=1)]
    package.ttps.kill_chains.append(chain)

    assert package.validate() == []
    assert chain.validate() == []
    assert b"LM Cyber Kill Chain" in package.to_bytes(validate=True)


def test_missing_required_attribute_and_child(validator: BundleValidator) -> None:
    package = STIXPackage(version="1.2")
    indicator = Indicator(title="Composite")
    indicator.composite_indicator_expression = CompositeIndicatorExpression()
    package.indicators.append(indicator)
    indicator.related_campaigns = RelatedCampaignReferences(related_campaigns=[RelatedCampaignReference()])

    with pytest.raises(ValidationError) as raised:
        package.to_xml(validate=True)

    issues = raised.value.issues
    assert len(issues) == 2, issues
    assert "STIXPackage is not valid against its schema (2 errors)" in str(raised.value)
    indicator_path = "/stix:STIX_Package/stix:Indicators[1]/stix:Indicator[1]"
    assert issues[0].path == f"{indicator_path}/indicator:Composite_Indicator_Expression[1]"
    assert issues[0].message == "required attribute operator is missing"
    assert issues[1].path == f"{indicator_path}/indicator:Related_Campaigns[1]/indicator:Related_Campaign[1]"
    assert "incomplete: the required child element stixCommon:Campaign is missing" in issues[1].message
    assert all(issue.line is None for issue in issues)


def test_sub_object_errors_stay_inside(validator: BundleValidator) -> None:
    package = STIXPackage(version="1.2", timestamp="2014-10-21T21:10:09Z")
    package.stix_header = STIXHeader(title="x")
    package.element.set("colour", "red")
    chain = KillChain(name="Chain")
    chain.kill_chain_phases = [KillChainPhase(name="a"), KillChainPhase(name="b")]
    package.ttps.kill_chains.append(chain)
    chain.kill_chain_phases[1].element.set("colour", "blue")

    assert len(package.validate()) == 2
    [issue] = chain.validate()
    assert issue.path is not None and issue.path.endswith("/stixCommon:Kill_Chain_Phase[2]")
    assert package.stix_header.validate() == []


def test_detached_object_validated_by_type(validator: BundleValidator) -> None:
    phase = KillChainPhase(name="Delivery", ordinality=3)
    phase.element.set("colour", "green")

    [issue] = phase.validate()

    assert "attribute colour is not allowed" in issue.message
    assert KillChainPhase(name="Delivery", ordinality=3).validate() == []


def test_parsed_document_validates(validator: BundleValidator) -> None:
    path = corpus_file("idioms/documentation_idioms_kill-chain_kill-chain.xml")
    package = stix_1_2.parse(path)

    assert package.validate() == []
    assert package.to_bytes(validate=True) == package.to_bytes()


def test_cli_exit_status(validator: BundleValidator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    valid = str(corpus_file(f"{EXAMPLES}/stix_all_valid.xml"))
    invalid = str(corpus_file(f"{EXAMPLES}/stix_schema_invalid.xml"))
    broken = tmp_path / "broken.xml"
    broken.write_text("<stix:STIX_Package")

    assert cli.main(["validate", valid]) == cli.EXIT_OK
    assert cli.main(["validate", valid, invalid]) == cli.EXIT_FAILED
    output = capsys.readouterr().out
    assert f"{invalid}: line 15: /stix:STIX_Package/stix:STIX_Header[1]/stix:Package_Intent[1]: " in output
    assert f"{invalid}: INVALID (1 error)" in output

    assert cli.main(["validate", str(broken), valid]) == cli.EXIT_UNUSABLE
    assert "broken.xml" in capsys.readouterr().err
    assert cli.main(["validate", "--bundle", "stix-9.9", valid]) == cli.EXIT_UNUSABLE


def test_issue_text() -> None:
    issue = ValidationIssue("rule broken", line=3, path="/a:b", source="doc.xml")

    assert str(issue) == "doc.xml: line 3: /a:b: rule broken"
    assert str(ValidationIssue("rule broken")) == "rule broken"


def test_package_imports_without_xmlschema() -> None:
    script = textwrap.dedent(
        """
        import sys
        from generated.stix_1_2 import STIXPackage, KillChainPhase
        from generated.runtime import validation
        package = STIXPackage()
        package.stix_header = None
        print("generator" in sys.modules, "xmlschema" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )

    assert result.stdout.split() == ["False", "False"]


def test_deep_document_validates(validator: BundleValidator) -> None:
    # 254 element levels, close to the parser's limit of 256.
    levels = 126
    opening = "".join(
        f'<cybox:Related_Objects><cybox:Related_Object id="example:object-{level}">' for level in range(levels)
    )
    closing = "</cybox:Related_Object></cybox:Related_Objects>" * levels
    document = (
        '<cybox:Observables xmlns:cybox="http://cybox.mitre.org/cybox-2" xmlns:example="http://example.com/" '
        'cybox_major_version="2" cybox_minor_version="1" cybox_update_version="0">'
        f'<cybox:Observable id="example:observable-1"><cybox:Object id="example:object-root">{opening}{closing}'
        "</cybox:Object></cybox:Observable></cybox:Observables>"
    )

    assert validate_document(document, "stix-1.2") == []
    # Three nested uniqueness constraints cover the ids; libxml2 reports each too.
    duplicated = document.replace('id="example:object-7"', 'id="example:object-3"')
    issues = validate_document(duplicated, "stix-1.2")
    constraints = ["cybox:unique-object-id", "cybox:unique-observable-id", "cybox:unique-observables-id"]
    assert [issue.message for issue in issues] == [
        f"the value 'example:object-3' occurs more than once, but the identity constraint {name} "
        "requires unique values"
        for name in constraints
    ]
    assert all(issue.path is not None and issue.path.count("cybox:Related_Object[1]") == 4 for issue in issues)


def test_pattern_error_shows_pattern(validator: BundleValidator) -> None:
    document = stix_document(
        """
        <stix:TTPs>
          <stix:TTP xsi:type="ttp:TTPType" id="example:ttp-1">
            <ttp:Behavior><ttp:Attack_Patterns><ttp:Attack_Pattern capec_id="CAPEC-x"/></ttp:Attack_Patterns></ttp:Behavior>
          </stix:TTP>
        </stix:TTPs>
        """
    )

    [issue] = validate_document(document, "stix-1.2")

    assert issue.path is not None and issue.path.endswith("/ttp:Attack_Pattern[1]/@capec_id")
    assert issue.message == (
        "attribute capec_id: 'CAPEC-x' does not match the pattern 'CAPEC-\\d+' of a restriction of xs:string"
    )


def test_root_of_other_bundle_named(validator: BundleValidator) -> None:
    document = b'<ttp:TTP xmlns:ttp="http://docs.oasis-open.org/cti/ns/stix/ttp-1" version="1.2.1"/>'

    issues = validator.validate_tree(etree.ElementTree(etree.fromstring(document)))

    assert len(issues) == 1
    assert issues[0].message == (
        "element ttp:TTP is not a global element of bundle stix-1.2; "
        "it is one of bundle stix-1.2.1, so validate it against that bundle"
    )


def test_duplicate_id_in_xsi_type_content(validator: BundleValidator) -> None:
    # The ids are on elements that only the xsi:type of cybox:Properties declares.
    document = stix_document(
        """
        <stix:Indicators>
          <stix:Indicator xsi:type="indicator:IndicatorType" id="example:indicator-1">
            <indicator:Observable id="example:observable-1">
              <cybox:Object id="example:object-1">
                <cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">
                  <AddressObj:Address_Value id="example:value-1">10.0.0.1</AddressObj:Address_Value>
                  <AddressObj:VLAN_Name id="example:value-1">lab</AddressObj:VLAN_Name>
                </cybox:Properties>
              </cybox:Object>
            </indicator:Observable>
          </stix:Indicator>
        </stix:Indicators>
        """,
        ' xmlns:indicator="http://stix.mitre.org/Indicator-2" xmlns:cybox="http://cybox.mitre.org/cybox-2"'
        ' xmlns:AddressObj="http://cybox.mitre.org/objects#AddressObject-2"',
    )

    issues = validate_document(document, "stix-1.2")
    libxml2_lines = error_lines_of(libxml2_schema(validator), document)

    assert [issue.line for issue in issues] == [8]
    assert libxml2_lines == [8]
    assert issues[0].path is not None
    assert issues[0].path.endswith("/cybox:Properties[1]/AddressObj:VLAN_Name[1]")
    assert issues[0].message == (
        "the value 'example:value-1' occurs more than once, but the identity constraint "
        "cybox:unique-object-id requires unique values"
    )


def test_distinct_ids_in_xsi_type_content_valid(validator: BundleValidator) -> None:
    document = stix_document(
        """
        <stix:Observables cybox_major_version="2" cybox_minor_version="1" cybox_update_version="0">
          <cybox:Observable id="example:observable-1">
            <cybox:Object id="example:object-1">
              <cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">
                <AddressObj:Address_Value id="example:value-1">10.0.0.1</AddressObj:Address_Value>
                <AddressObj:VLAN_Name id="other:value-1">lab</AddressObj:VLAN_Name>
              </cybox:Properties>
            </cybox:Object>
          </cybox:Observable>
        </stix:Observables>
        """,
        ' xmlns:cybox="http://cybox.mitre.org/cybox-2" xmlns:other="http://example.org/"'
        ' xmlns:AddressObj="http://cybox.mitre.org/objects#AddressObject-2"',
    )

    assert validate_document(document, "stix-1.2") == []
    assert error_lines_of(libxml2_schema(validator), document) == []
