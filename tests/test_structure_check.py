"""The structure check resolves each `xsi:type` in its own element's scope, also when it reuses results."""

from __future__ import annotations

import pytest

from generated import stix_1_2
from generated.runtime.errors import UnexpectedContentError

INDICATOR_NAMESPACE = "http://stix.mitre.org/Indicator-2"


def package(*indicators: str) -> bytes:
    body = "".join(indicators)
    return (
        '<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" '
        f'xmlns:ind="{INDICATOR_NAMESPACE}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.2">'
        f"<stix:Indicators>{body}</stix:Indicators></stix:STIX_Package>"
    ).encode()


VALID = '<stix:Indicator xsi:type="ind:IndicatorType"><ind:Title>Valid</ind:Title></stix:Indicator>'
# The same xsi:type value, with `ind` bound to a namespace the bundle does not know.
REBOUND = (
    '<stix:Indicator xmlns:ind="urn:example:other" xsi:type="ind:IndicatorType">'
    "<ind:Anything/></stix:Indicator>"
)
# The same binding declared again, which changes nothing.
REDECLARED = (
    f'<stix:Indicator xmlns:ind="{INDICATOR_NAMESPACE}" xsi:type="ind:IndicatorType">'
    "<ind:Unknown/></stix:Indicator>"
)


@pytest.mark.parametrize("order", ["valid first", "rebound first"])
def test_rebound_prefix_names_unknown_type(order: str) -> None:
    indicators = (VALID, REBOUND) if order == "valid first" else (REBOUND, VALID)

    parsed = stix_1_2.parse(package(*indicators))

    by_title = {entry.unknown_type: entry for entry in parsed.indicators}
    assert set(by_title) == {False, True}
    assert by_title[True].xsi_type == "{urn:example:other}IndicatorType"
    assert by_title[False].title == "Valid"


def test_redeclared_prefix_is_still_checked() -> None:
    with pytest.raises(UnexpectedContentError, match="unexpected element ind:Unknown"):
        stix_1_2.parse(package(VALID, REDECLARED))


@pytest.mark.parametrize("indicators", [(VALID, REBOUND), (REBOUND, VALID)])
def test_reader_resolves_rebound_prefix(indicators: tuple[str, str]) -> None:
    items = list(stix_1_2.iterparse(package(*indicators)))

    assert sorted(item.object.unknown_type for item in items) == [False, True]


def test_reader_checks_redeclared_prefix() -> None:
    with pytest.raises(UnexpectedContentError, match="unexpected element ind:Unknown"):
        list(stix_1_2.iterparse(package(VALID, REDECLARED)))
