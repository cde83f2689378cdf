"""Typed assignment and construction: wrong values raise errors that name the class,
the field, the value and what the field allows."""

from __future__ import annotations

import datetime as dt

import pytest

from generated.runtime import BindingError, InvalidTypeError, InvalidValueError
from generated.stix_1_2 import KillChain, KillChainPhase, STIXHeader, STIXPackage
from generated.stix_1_2.stix_vocabularies import PackageIntentEnum_1_0, PackageIntentVocab_1_0


def test_integer_from_string_reads_as_int() -> None:
    phase = KillChainPhase(ordinality="1")

    assert phase.ordinality == 1
    assert isinstance(phase.ordinality, int)
    assert phase.element.get("ordinality") == "1"


def test_integer_rejects_word() -> None:
    with pytest.raises(InvalidValueError) as raised:
        KillChainPhase(ordinality="third")

    message = str(raised.value)
    assert message.startswith("KillChainPhase.ordinality: ")
    assert "'third'" in message
    assert "expected an integer" in message
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, BindingError)


@pytest.mark.parametrize("value", [1.5, True, b"1", [1]])
def test_integer_rejects_other_types(value: object) -> None:
    with pytest.raises(InvalidTypeError) as raised:
        KillChainPhase(ordinality=value)  # type: ignore[arg-type]

    message = str(raised.value)
    assert message.startswith("KillChainPhase.ordinality: expected int or str")
    assert repr(value) in message
    assert isinstance(raised.value, TypeError)


def test_enumeration_rejects_value_outside() -> None:
    with pytest.raises(InvalidValueError) as raised:
        STIXPackage(version="9.9")

    message = str(raised.value)
    assert message.startswith("STIXPackage.version: '9.9' is not a valid STIXPackageVersionEnum")
    assert "'1.2'" in message


def test_enumeration_rejects_other_type() -> None:
    with pytest.raises(InvalidTypeError) as raised:
        PackageIntentVocab_1_0(value=3)  # type: ignore[arg-type]

    assert str(raised.value) == (
        "PackageIntentVocab_1_0.value: expected PackageIntentEnum_1_0 or str for "
        "PackageIntentEnum-1.0, got int 3"
    )


def test_closed_vocabulary_rejects_term() -> None:
    with pytest.raises(InvalidValueError) as raised:
        PackageIntentVocab_1_0(value="Gossip")

    message = str(raised.value)
    assert message.startswith("PackageIntentVocab_1_0.value: 'Gossip' is not a valid PackageIntentEnum-1.0")
    assert "'Indicators - Watchlist'" in message


def test_fixed_attribute_rejects_other_value() -> None:
    with pytest.raises(InvalidValueError) as raised:
        PackageIntentVocab_1_0(vocab_name="My vocabulary")

    assert str(raised.value) == (
        "PackageIntentVocab_1_0.vocab_name: 'My vocabulary' is not allowed; the schema fixes this "
        "attribute to 'STIX Default Package Intent Vocabulary'"
    )
    term = PackageIntentVocab_1_0(vocab_name="STIX Default Package Intent Vocabulary")
    assert term.vocab_name == "STIX Default Package Intent Vocabulary"


def test_datetime_rejects_text() -> None:
    with pytest.raises(InvalidValueError) as raised:
        STIXPackage(timestamp="yesterday")

    assert str(raised.value) == (
        "STIXPackage.timestamp: 'yesterday' is not a valid xs:dateTime: expected a date and time "
        "such as 2014-10-21T21:10:09Z"
    )
    stamp = dt.datetime(2014, 10, 21, 21, 10, 9, tzinfo=dt.timezone.utc)
    assert STIXPackage(timestamp=stamp).timestamp == stamp


def test_child_rejects_other_class() -> None:
    with pytest.raises(InvalidTypeError) as raised:
        STIXPackage().stix_header = KillChain(name="x")  # type: ignore[assignment]

    assert str(raised.value) == "STIXPackage.stix_header: expected STIXHeader, got KillChain KillChain(name='x')"


def test_list_rejects_non_iterable_and_string() -> None:
    chain = KillChain()

    with pytest.raises(InvalidTypeError) as raised:
        chain.kill_chain_phases = 5  # type: ignore[assignment]
    assert str(raised.value) == "KillChain.kill_chain_phases: expected an iterable of items, got int 5"

    with pytest.raises(InvalidTypeError) as raised:
        chain.kill_chain_phases = "abc"  # type: ignore[assignment]
    assert "got str 'abc'" in str(raised.value)


def test_list_unchanged_when_an_item_fails() -> None:
    chain = KillChain()
    chain.kill_chain_phases = [KillChainPhase(name="a"), KillChainPhase(name="b")]

    with pytest.raises(InvalidTypeError) as raised:
        chain.kill_chain_phases = [KillChainPhase(name="c"), 5]  # type: ignore[list-item]

    assert str(raised.value) == "KillChain.kill_chain_phases: expected KillChainPhase, got int 5"
    assert [phase.name for phase in chain.kill_chain_phases] == ["a", "b"]


def test_simple_content_item_names_owner_field() -> None:
    header = STIXHeader()

    with pytest.raises(InvalidTypeError) as raised:
        header.package_intents = [PackageIntentEnum_1_0.INDICATORS, 4]  # type: ignore[list-item]

    message = str(raised.value)
    assert message.startswith("STIXHeader.package_intents: ")
    assert "got int 4" in message
    assert len(header.package_intents) == 0
