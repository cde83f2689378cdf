"""Lossless reading and writing: lexical forms, extensions the bundle lacks, roots, empty elements."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from lxml import etree

from generated import stix_1_2
from generated.stix_1_2 import KillChainPhase, STIXPackage
from generator.infoset import compare_documents
from tests.conftest import corpus_file

NAMESPACES = (
    'xmlns:stix="http://stix.mitre.org/stix-1" '
    'xmlns:stixCommon="http://stix.mitre.org/common-1" '
    'xmlns:indicator="http://stix.mitre.org/Indicator-2" '
    'xmlns:ttp="http://stix.mitre.org/TTP-1" '
    'xmlns:marking="http://data-marking.mitre.org/Marking-1" '
    'xmlns:cybox="http://cybox.mitre.org/cybox-2" '
    'xmlns:cyboxCommon="http://cybox.mitre.org/common-2" '
    'xmlns:acme="http://acme.example/marking" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)

LEXICAL_FORMS = f"""<stix:STIX_Package {NAMESPACES} id="example:Package-1" version="1.2"
    timestamp="2014-10-21T21:10:09.423000+00:00">
  <stix:TTPs>
    <stix:Kill_Chains>
      <stixCommon:Kill_Chain id="example:KillChain-1" name="Chain" number_of_phases="02">
        <stixCommon:Kill_Chain_Phase phase_id="example:Phase-1" ordinality="007"/>
        <stixCommon:Kill_Chain_Phase phase_id="example:Phase-2" ordinality=" 8 "/>
      </stixCommon:Kill_Chain>
    </stix:Kill_Chains>
  </stix:TTPs>
</stix:STIX_Package>"""


def round_trip(text: str, *, strict: bool = True) -> tuple[object, bytes]:
    obj = stix_1_2.parse(text, strict=strict)
    return obj, obj.to_bytes()


def test_unchanged_values_keep_lexical_form() -> None:
    package, written = round_trip(LEXICAL_FORMS)

    assert compare_documents(LEXICAL_FORMS.encode(), written) == []
    assert b'timestamp="2014-10-21T21:10:09.423000+00:00"' in written
    assert b'ordinality="007"' in written
    assert b'ordinality=" 8 "' in written
    assert b'number_of_phases="02"' in written


def test_values_read_typed() -> None:
    package = stix_1_2.parse(LEXICAL_FORMS)
    assert isinstance(package, STIXPackage)

    assert package.timestamp == dt.datetime(2014, 10, 21, 21, 10, 9, 423000, tzinfo=dt.timezone.utc)
    phases = package.ttps.kill_chains[0].kill_chain_phases
    assert [phase.ordinality for phase in phases] == [7, 8]


def test_z_suffix_and_fraction_digits_kept() -> None:
    text = LEXICAL_FORMS.replace("2014-10-21T21:10:09.423000+00:00", "2014-10-21T21:10:09.4230Z")
    package, written = round_trip(text)

    assert b'timestamp="2014-10-21T21:10:09.4230Z"' in written
    assert isinstance(package, STIXPackage)
    assert package.timestamp == dt.datetime(2014, 10, 21, 21, 10, 9, 423000, tzinfo=dt.timezone.utc)


def test_changed_values_written_canonically() -> None:
    package = stix_1_2.parse(LEXICAL_FORMS)
    assert isinstance(package, STIXPackage)

    package.timestamp = dt.datetime(2015, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    phase = package.ttps.kill_chains[0].kill_chain_phases[0]
    phase.ordinality = 9

    written = package.to_bytes()
    assert b'timestamp="2015-01-02T03:04:05+00:00"' in written
    assert b'ordinality="9"' in written
    # The other phase, untouched, keeps its text.
    assert b'ordinality=" 8 "' in written


def test_lexical_string_set_is_kept_as_given() -> None:
    phase = KillChainPhase(ordinality="0012")
    assert phase.ordinality == 12
    assert 'ordinality="0012"' in etree.tostring(phase.element, encoding="unicode")


def test_boolean_forms_kept() -> None:
    text = f"""<cybox:Observables {NAMESPACES} cybox_major_version="2" cybox_minor_version="1">
  <cybox:Observable id="example:Observable-1" negate="1">
    <cybox:Object id="example:Object-1" has_changed="false"/>
  </cybox:Observable>
</cybox:Observables>"""
    observables, written = round_trip(text)

    assert b'negate="1"' in written
    assert b'has_changed="false"' in written
    observable = observables.observables[0]  # type: ignore[attr-defined]
    assert observable.negate is True
    assert observable.object_.has_changed is False


VENDOR_MARKING = f"""<stix:STIX_Package {NAMESPACES} id="example:Package-2" version="1.2">
  <stix:STIX_Header>
    <stix:Handling>
      <marking:Marking>
        <marking:Controlled_Structure>//node()</marking:Controlled_Structure>
        <marking:Marking_Structure xsi:type="acme:AcmeMarkingType" acme:level="secret">
          <acme:Owner>ACME Corp</acme:Owner>
          <acme:Rules><acme:Rule>share with partners only</acme:Rule></acme:Rules>
        </marking:Marking_Structure>
        <marking:Marking_Structure xsi:type="acme:AcmeMarkingType"><acme:Owner>Other</acme:Owner></marking:Marking_Structure>
      </marking:Marking>
    </stix:Handling>
  </stix:STIX_Header>
</stix:STIX_Package>"""


def test_unknown_xsi_type_kept_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    stix_1_2.BUNDLE._unknown_types.discard("{http://acme.example/marking}AcmeMarkingType")
    with caplog.at_level(logging.INFO, logger="generated"):
        package, written = round_trip(VENDOR_MARKING)

    assert compare_documents(VENDOR_MARKING.encode(), written) == []
    messages = [record.getMessage() for record in caplog.records if "AcmeMarkingType" in record.getMessage()]
    assert len(messages) == 1
    assert "is not defined in bundle stix-1.2" in messages[0]

    assert isinstance(package, STIXPackage)
    header = package.stix_header
    assert header is not None
    structure = header.handling[0].marking_structures[0]
    assert structure.unknown_type
    assert structure.xsi_type == "{http://acme.example/marking}AcmeMarkingType"
    owner = structure.element.find("{http://acme.example/marking}Owner")
    assert owner is not None and owner.text == "ACME Corp"


def test_any_type_content_kept_as_elements() -> None:
    text = f"""<cybox:Observables {NAMESPACES} cybox_major_version="2" cybox_minor_version="1">
  <cybox:Observable id="example:Observable-2">
    <cybox:Object id="example:Object-2">
      <cybox:Properties xmlns:DNSRecordObj="http://cybox.mitre.org/objects#DNSRecordObject-2"
          xsi:type="DNSRecordObj:DNSRecordObjectType">
        <DNSRecordObj:Record_Data>raw <acme:Answer ttl="60">192.0.2.1</acme:Answer> tail</DNSRecordObj:Record_Data>
      </cybox:Properties>
    </cybox:Object>
  </cybox:Observable>
</cybox:Observables>"""
    observables, written = round_trip(text)
    assert compare_documents(text.encode(), written) == []

    properties = observables.observables[0].object_.properties  # type: ignore[attr-defined]
    answers = properties.record_data.any_elements
    assert [answer.tag for answer in answers] == ["{http://acme.example/marking}Answer"]
    assert answers[0].text == "192.0.2.1"


def test_empty_elements_written_back() -> None:
    text = f'<stix:STIX_Package {NAMESPACES} version="1.2"><stix:TTPs/><stix:Indicators/></stix:STIX_Package>'
    package, written = round_trip(text)

    assert compare_documents(text.encode(), written) == []
    assert isinstance(package, STIXPackage)
    assert len(package.indicators) == 0


def test_absent_containers_stay_absent() -> None:
    text = f'<stix:STIX_Package {NAMESPACES} version="1.2"/>'
    package = stix_1_2.parse(text)
    assert isinstance(package, STIXPackage)

    assert len(package.ttps.kill_chains) == 0
    assert package.stix_header is not None
    assert package.stix_header.title is None

    assert compare_documents(text.encode(), package.to_bytes()) == []


def test_lone_indicator_root() -> None:
    text = f"""<indicator:Indicator {NAMESPACES} id="example:Indicator-1" timestamp="2014-01-01T00:00:00Z"
        xsi:type="indicator:IndicatorType" version="2.2">
  <indicator:Title>Lone indicator</indicator:Title>
</indicator:Indicator>"""
    indicator, written = round_trip(text)

    assert type(indicator).__name__ == "Indicator"
    assert indicator.title == "Lone indicator"  # type: ignore[attr-defined]
    assert compare_documents(text.encode(), written) == []


def test_lone_ttp_root() -> None:
    text = f"""<ttp:TTP {NAMESPACES} id="example:TTP-1" xsi:type="ttp:TTPType">
  <ttp:Title>Lone TTP</ttp:Title>
</ttp:TTP>"""
    ttp, written = round_trip(text)

    assert type(ttp).__name__ == "TTP"
    assert compare_documents(text.encode(), written) == []


def test_observables_root_from_corpus() -> None:
    path = corpus_file("schemas-samples-1.2/STIX_Use_Case_Examples_content_Phishing_STIX-CybOX_Phishing_CybOX_Pattern.xml")
    observables = stix_1_2.parse(path)

    assert type(observables).__name__ == "Observables"
    assert len(observables.observables) > 0  # type: ignore[attr-defined]
    assert compare_documents(path.read_bytes(), observables.to_bytes()) == []


def test_maec_package_root_from_corpus() -> None:
    path = corpus_file(
        "schemas-samples-1.2/MAEC_CybOX_STIX_Flow_Example_flow_example(1of3)-maec_anubis_output.xml"
    )
    maec = stix_1_2.parse(path)

    assert type(maec).__name__ == "MAECPackage"
    assert compare_documents(path.read_bytes(), maec.to_bytes()) == []


def test_decimal_and_date_codecs_read_values() -> None:
    from generated.runtime import codecs

    assert codecs.DECIMAL.parse(" 12.50 ") == Decimal("12.50")
    assert codecs.DATE.parse("2014-10-21Z") == dt.date(2014, 10, 21)
    assert codecs.BOOLEAN.parse("0") is False


def test_appended_object_uses_document_prefix() -> None:
    # The document binds the indicator namespace to `ind`, not to the bundle's `indicator`.
    text = (
        '<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" '
        'xmlns:ind="http://stix.mitre.org/Indicator-2" version="1.2"><stix:Indicators/></stix:STIX_Package>'
    )
    package = stix_1_2.parse(text)
    assert isinstance(package, STIXPackage)

    package.indicators.append(stix_1_2.Indicator(title="Appended"))
    written = package.to_bytes()

    assert b'xsi:type="ind:IndicatorType"' in written
    again = stix_1_2.parse(written)
    assert isinstance(again, STIXPackage)
    assert type(again.indicators[0]).__name__ == "Indicator"
    assert again.indicators[0].title == "Appended"  # type: ignore[attr-defined]


STIX_INDICATORS = "{http://stix.mitre.org/stix-1}Indicators"


def test_last_item_removal_drops_wrapper() -> None:
    package = STIXPackage(
        version="1.2", indicators=[stix_1_2.Indicator(id_="example:i-1"), stix_1_2.Indicator(id_="example:i-2")]
    )

    del package.indicators[0]
    wrapper_after_first = package.element.find(STIX_INDICATORS)
    package.indicators.pop()

    assert wrapper_after_first is not None
    assert package.element.find(STIX_INDICATORS) is None
    assert len(package.indicators) == 0
    assert package.validate() == []


def test_replacing_items_keeps_wrapper() -> None:
    package = stix_1_2.parse(
        b'<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" version="1.2">'
        b'<stix:Indicators xmlns:a="urn:a"><stix:Indicator id="example:i-1"/></stix:Indicators></stix:STIX_Package>'
    )
    assert isinstance(package, STIXPackage)
    wrapper = package.element.find(STIX_INDICATORS)

    package.indicators = [stix_1_2.Indicator(id_="example:i-2")]

    assert package.element.find(STIX_INDICATORS) is wrapper
    assert len(package.indicators) == 1


def test_wrapper_with_comment_kept() -> None:
    package = stix_1_2.parse(
        b'<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" version="1.2">'
        b'<stix:Indicators><!-- feed 7 --><stix:Indicator id="example:i-1"/></stix:Indicators></stix:STIX_Package>'
    )
    assert isinstance(package, STIXPackage)

    package.indicators.clear()

    wrapper = package.element.find(STIX_INDICATORS)
    assert wrapper is not None
    assert wrapper[0].text == " feed 7 "
