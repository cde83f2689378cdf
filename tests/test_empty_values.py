"""Empty and absent simple values read the same after parsing and after setting.

The rule: an absent element or attribute, or an element with
``xsi:nil="true"``, reads as None.  A present element without text has
the empty string as its value, which string types read as ``""``.  For other
types, an empty child element raises `InvalidValueError`, as any text outside
the type's lexical space does.  The value of an object of simple content
reads as None while it has no text, because a new object has none until its
value is set.
"""

from __future__ import annotations

import pytest
from lxml import etree

from generated import stix_1_2
from generated.runtime import InvalidValueError
from generated.stix_1_2 import STIXHeader, STIXPackage
from generated.stix_1_2.cybox_common import DateTimeWithPrecision, Error
from generated.stix_1_2.stix_common import StructuredText

NAMESPACES = (
    'xmlns:stix="http://stix.mitre.org/stix-1" '
    'xmlns:cyboxCommon="http://cybox.mitre.org/common-2" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def parsed_header(content: str) -> STIXHeader:
    package = stix_1_2.parse(f'<stix:STIX_Package {NAMESPACES} version="1.2"><stix:STIX_Header>{content}'
                             "</stix:STIX_Header></stix:STIX_Package>")
    assert isinstance(package, STIXPackage)
    header = package.stix_header
    assert header is not None
    return header


def wrap(cls: type, text: str) -> object:
    return cls._wrap(etree.fromstring(f"<x {NAMESPACES}>{text}</x>")[0])


def test_parsed_empty_text_reads_empty() -> None:
    header = parsed_header("<stix:Description/>")

    assert header.descriptions[0].value == ""


def test_set_empty_text_reads_empty() -> None:
    description = StructuredText()

    description.value = ""

    assert description.value == ""


def test_empty_text_round_trip() -> None:
    header = STIXHeader(descriptions=[StructuredText(value="")])
    package = STIXPackage(version="1.2", stix_header=header)

    back = stix_1_2.parse(package.to_bytes())

    assert isinstance(back, STIXPackage)
    assert back.stix_header is not None
    assert back.stix_header.descriptions[0].value == ""


def test_unset_text_reads_empty() -> None:
    assert StructuredText().value == ""


def test_cleared_text_reads_empty() -> None:
    description = StructuredText(value="text")

    description.value = None

    assert description.value == ""
    assert description.element.text is None


def test_nil_text_reads_none() -> None:
    header = parsed_header('<stix:Description xsi:nil="true"/>')

    assert header.descriptions[0].value is None


def test_empty_datetime_text_reads_none() -> None:
    start = wrap(DateTimeWithPrecision, '<cyboxCommon:Start_Time precision="day"/>')

    assert start.value is None  # type: ignore[attr-defined]


def test_unset_datetime_text_reads_none() -> None:
    start = DateTimeWithPrecision(precision="day")

    assert start.value is None
    assert start.element.text is None


def test_invalid_datetime_text_raises() -> None:
    start = wrap(DateTimeWithPrecision, '<cyboxCommon:Start_Time precision="day">yesterday</cyboxCommon:Start_Time>')

    with pytest.raises(InvalidValueError):
        start.value  # type: ignore[attr-defined]


def test_absent_value_reads_none() -> None:
    header = parsed_header("")

    assert header.title is None


def test_parsed_empty_value_reads_empty() -> None:
    header = parsed_header("<stix:Title/>")

    assert header.title == ""


def test_set_empty_value_reads_empty() -> None:
    header = STIXHeader(title="")

    assert header.title == ""
    assert header.element.find("{http://stix.mitre.org/stix-1}Title") is not None


def test_empty_integer_value_raises() -> None:
    error = wrap(Error, "<cyboxCommon:Error><cyboxCommon:Error_Count/></cyboxCommon:Error>")

    with pytest.raises(InvalidValueError):
        error.error_count  # type: ignore[attr-defined]


def test_nil_value_reads_none() -> None:
    header = parsed_header('<stix:Title xsi:nil="true"/>')

    assert header.title is None
