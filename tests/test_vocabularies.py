"""Closed vocabularies are enumerations that keep their vocabulary's xsi:type.

A member stored in an open vocabulary field (declared as
ControlledVocabularyStringType) is written with the vocabulary type of its
enumeration; a plain string is written without an xsi:type.
"""

from __future__ import annotations

import enum

import pytest

from generated import stix_1_2
from generated.runtime import InvalidTypeError
from generated.runtime.fields import vocabulary_class
from generated.stix_1_2 import STIXHeader, STIXPackage
from generated.stix_1_2.cybox_vocabularies import ObjectRelationshipEnum_1_1, ObjectRelationshipVocab_1_1
from generated.stix_1_2.stix_common import ControlledVocabularyString
from generated.stix_1_2.stix_vocabularies import PackageIntentEnum_1_0, PackageIntentVocab_1_0
from generator.validation import validator_for
from tests.conftest import REPOSITORY

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
STIX_VOCABS = "http://stix.mitre.org/default_vocabularies-1"


def test_enumeration_names_its_vocabulary() -> None:
    assert issubclass(PackageIntentEnum_1_0, enum.Enum)
    assert PackageIntentEnum_1_0.INDICATORS.value == "Indicators"
    assert vocabulary_class(PackageIntentEnum_1_0.INDICATORS) is PackageIntentVocab_1_0
    assert vocabulary_class(ObjectRelationshipEnum_1_1.CONTAINED_WITHIN) is ObjectRelationshipVocab_1_1
    assert "_vocabulary" not in PackageIntentEnum_1_0.__members__


def test_vocabulary_value_is_member() -> None:
    term = PackageIntentVocab_1_0(value="Indicators")

    assert term.value is PackageIntentEnum_1_0.INDICATORS


def test_member_gets_vocabulary_type() -> None:
    header = STIXHeader()
    header.package_intents.append(PackageIntentEnum_1_0.INDICATORS_WATCHLIST)

    [intent] = header.package_intents
    element = intent.element

    assert type(intent) is PackageIntentVocab_1_0
    assert intent.value is PackageIntentEnum_1_0.INDICATORS_WATCHLIST
    assert element.text == "Indicators - Watchlist"
    prefix, _, local = element.get(XSI_TYPE).partition(":")
    assert element.nsmap[prefix] == STIX_VOCABS
    assert local == "PackageIntentVocab-1.0"


def test_string_stays_open_vocabulary() -> None:
    header = STIXHeader()
    header.package_intents.append("Our own intent")

    [intent] = header.package_intents

    assert type(intent) is ControlledVocabularyString
    assert intent.value == "Our own intent"
    assert intent.element.get(XSI_TYPE) is None


def test_member_in_constructor_and_assignment() -> None:
    header = STIXHeader(package_intents=[PackageIntentEnum_1_0.INCIDENT, "Custom"])

    assert [type(intent).__name__ for intent in header.package_intents] == [
        "PackageIntentVocab_1_0",
        "ControlledVocabularyString",
    ]


def test_member_of_other_vocabulary_rejected() -> None:
    header = STIXHeader()

    with pytest.raises(InvalidTypeError) as raised:
        header.package_intents.append(ObjectRelationshipEnum_1_1.CONTAINED_WITHIN)

    message = str(raised.value)
    assert message.startswith("STIXHeader.package_intents: ObjectRelationshipEnum_1_1.CONTAINED_WITHIN ")
    assert "ObjectRelationshipVocab_1_1" in message
    assert "'Contained_Within'" in message


def test_vocabulary_output_validates_and_reads_back() -> None:
    if not (REPOSITORY / "schemas" / "stix-1.2" / "xsd").is_dir():
        pytest.skip("the STIX 1.2 XSD files are not fetched; run `stixgen fetch` first")
    validator_for("stix-1.2")
    package = STIXPackage(version="1.2")
    package.stix_header = STIXHeader(package_intents=[PackageIntentEnum_1_0.INDICATORS, "Custom"])

    written = package.to_bytes(validate=True)
    again = stix_1_2.parse(written)

    assert isinstance(again, STIXPackage)
    assert again.stix_header is not None
    intents = again.stix_header.package_intents
    assert intents[0].value is PackageIntentEnum_1_0.INDICATORS
    assert intents[1].value == "Custom"
