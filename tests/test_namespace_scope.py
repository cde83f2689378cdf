"""Namespace declarations when objects move between documents.

lxml keeps the namespaces of element and attribute names when it moves an
element, but not the prefixes used inside attribute values: `xsi:type` and
QName ids (``id="example:Indicator-1"``).  These tests move parsed and
API-built objects into other documents in every way the runtime inserts
objects, then resolve each `xsi:type` with the element's `nsmap` and
validate the result against the STIX 1.2 XSDs.  The last tests check that
objects built through the API declare each namespace once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from generated import stix_1_2
from generated.runtime.xmlio import XSI_TYPE
from generated.stix_1_2 import Indicator, Observable, Observables, STIXPackage
from generated.stix_1_2.address_object import Address
from generated.stix_1_2.cybox_core import Object

INDICATOR_NS = "http://stix.mitre.org/Indicator-2"
ADDRESS_NS = "http://cybox.mitre.org/objects#AddressObject-2"
EXAMPLE_NS = "http://example.com/"

# Every namespace is declared on the root only, and the moved elements use
# the indicator and address namespaces in `xsi:type` values alone.
SOURCE = f"""<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"
    xmlns:indicator="{INDICATOR_NS}" xmlns:cybox="http://cybox.mitre.org/cybox-2"
    xmlns:AddressObj="{ADDRESS_NS}" xmlns:example="{EXAMPLE_NS}"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="example:Package-1" version="1.2">
  <stix:Observables cybox_major_version="2" cybox_minor_version="1">
    <cybox:Observable id="example:Observable-1">
      <cybox:Object id="example:Object-1">
        <cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr"/>
      </cybox:Object>
    </cybox:Observable>
  </stix:Observables>
  <stix:Indicators>
    <stix:Indicator xsi:type="indicator:IndicatorType" id="example:Indicator-1" version="2.2"/>
    <stix:Indicator xsi:type="indicator:IndicatorType" id="example:Indicator-2" version="2.2">
      <indicator:Observable id="example:Observable-2">
        <cybox:Object id="example:Object-2">
          <cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr"/>
        </cybox:Object>
      </indicator:Observable>
    </stix:Indicator>
  </stix:Indicators>
</stix:STIX_Package>"""

# Binds the indicator and address namespaces to other prefixes, and the
# source's prefixes to other namespaces.
OTHER_PREFIXES = f"""<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"
    xmlns:ind="{INDICATOR_NS}" xmlns:addr="{ADDRESS_NS}"
    xmlns:indicator="urn:example:not-indicator" xmlns:AddressObj="urn:example:not-address"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.2">
  <stix:Indicators>
    <stix:Indicator xsi:type="ind:IndicatorType" version="2.2"/>
  </stix:Indicators>
</stix:STIX_Package>"""

# Declares neither namespace nor the id prefix on the root.
NO_PREFIXES = f"""<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" version="1.2">
  <stix:Indicators>
    <stix:Indicator xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xmlns:i2="{INDICATOR_NS}" xsi:type="i2:IndicatorType" version="2.2"/>
  </stix:Indicators>
</stix:STIX_Package>"""


def api_target() -> STIXPackage:
    package = STIXPackage(version="1.2")
    package.indicators.append(Indicator(version="2.2"))
    return package


def parsed_target(text: str) -> Callable[[], STIXPackage]:
    def build() -> STIXPackage:
        package = stix_1_2.parse(text)
        assert isinstance(package, STIXPackage)
        return package

    return build


TARGETS = {
    "api": api_target,
    "other-prefixes": parsed_target(OTHER_PREFIXES),
    "no-prefixes": parsed_target(NO_PREFIXES),
}


def parsed_indicator() -> Indicator:
    source = stix_1_2.parse(SOURCE)
    assert isinstance(source, STIXPackage)
    indicator = source.indicators[1]
    assert isinstance(indicator, Indicator)
    return indicator


def parsed_observable() -> Observable:
    source = stix_1_2.parse(SOURCE)
    assert isinstance(source, STIXPackage)
    observables = source.observables
    assert observables is not None
    return observables.observables[0]


def api_indicator() -> Indicator:
    address = Address(category="ipv4-addr")
    observable = Observable(object_=Object(properties=address))
    return Indicator(id_="example:Indicator-3", version="2.2", observable=observable)


def resolved_type(element: etree._Element) -> str | None:
    """Return the `xsi:type` of `element` in Clark notation, or None if its prefix is unbound."""
    prefix, _, local = element.get(XSI_TYPE, "").rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return None if namespace is None else f"{{{namespace}}}{local}"


def resolved_types(element: etree._Element) -> list[str | None]:
    return [resolved_type(child) for child in element.iter() if child.get(XSI_TYPE) is not None]


def document_types(data: bytes) -> list[str | None]:
    return resolved_types(etree.fromstring(data))


INSERTIONS: dict[str, Callable[[STIXPackage, Any], None]] = {
    "append": lambda package, item: package.indicators.append(item),
    "insert": lambda package, item: package.indicators.insert(0, item),
    "setitem": lambda package, item: package.indicators.__setitem__(0, item),
    "extend": lambda package, item: package.indicators.extend([item]),
    "assign": lambda package, item: setattr(package, "indicators", [item]),
}


@pytest.mark.parametrize("target_name", sorted(TARGETS))
@pytest.mark.parametrize("insertion", sorted(INSERTIONS))
def test_moved_indicator_types_resolve(target_name: str, insertion: str) -> None:
    indicator = parsed_indicator()
    expected = resolved_types(indicator.element)
    package = TARGETS[target_name]()

    INSERTIONS[insertion](package, indicator)

    assert resolved_types(indicator.element) == expected
    assert type(indicator).__name__ == "Indicator"
    assert indicator.observable is not None
    assert indicator.observable.object_ is not None
    assert isinstance(indicator.observable.object_.properties, Address)


@pytest.mark.parametrize("target_name", sorted(TARGETS))
@pytest.mark.parametrize("insertion", sorted(INSERTIONS))
def test_moved_indicator_validates(target_name: str, insertion: str) -> None:
    indicator = parsed_indicator()
    package = TARGETS[target_name]()

    INSERTIONS[insertion](package, indicator)
    written = package.to_bytes()

    assert stix_1_2.validate(written) == []
    moved = [element for element in etree.fromstring(written).iter() if element.get("id") == "example:Indicator-2"]
    assert len(moved) == 1
    assert resolved_type(moved[0]) == f"{{{INDICATOR_NS}}}IndicatorType"
    assert moved[0].nsmap.get("example") == EXAMPLE_NS


@pytest.mark.parametrize("target_name", sorted(TARGETS))
def test_api_indicator_nested_type(target_name: str) -> None:
    # Stored in the package's list, the indicator gets an xsi:type of its own.
    indicator = api_indicator()
    expected = [f"{{{INDICATOR_NS}}}IndicatorType", f"{{{ADDRESS_NS}}}AddressObjectType"]
    package = TARGETS[target_name]()
    package.declare_namespace("example", EXAMPLE_NS)

    package.indicators.append(indicator)
    written = package.to_bytes()

    assert resolved_types(indicator.element) == expected
    assert f"{{{ADDRESS_NS}}}AddressObjectType" in document_types(written)
    assert stix_1_2.validate(written) == []


def test_top_level_type_only_in_value() -> None:
    source = stix_1_2.parse(SOURCE)
    assert isinstance(source, STIXPackage)
    indicator = source.indicators[0]
    package = STIXPackage(version="1.2")

    package.indicators.append(indicator)

    assert resolved_type(indicator.element) == f"{{{INDICATOR_NS}}}IndicatorType"
    assert package.indicators[0].element.nsmap.get("example") == EXAMPLE_NS
    assert stix_1_2.validate(package.to_bytes()) == []


def test_child_set_keeps_nested_type() -> None:
    observable = parsed_observable()
    indicator = Indicator(id_="example:Indicator-4", version="2.2")
    indicator.declare_namespace("example", EXAMPLE_NS)

    indicator.observable = observable

    assert resolved_types(indicator.element) == [f"{{{ADDRESS_NS}}}AddressObjectType"]
    assert indicator.validate() == []


def test_constructor_keeps_nested_type() -> None:
    observable = parsed_observable()

    indicator = Indicator(version="2.2", observable=observable)

    assert resolved_types(indicator.element) == [f"{{{ADDRESS_NS}}}AddressObjectType"]
    assert indicator.validate() == []


def test_children_append_keeps_nested_type() -> None:
    observable = parsed_observable()
    observables = Observables(cybox_major_version="2", cybox_minor_version="1")

    observables.observables.append(observable)

    assert resolved_types(observables.element) == [f"{{{ADDRESS_NS}}}AddressObjectType"]
    assert observables.validate() == []


def test_package_constructor_keeps_types() -> None:
    indicator = parsed_indicator()
    expected = resolved_types(indicator.element)

    package = STIXPackage(version="1.2", indicators=[indicator])

    assert resolved_types(package.element) == expected
    assert stix_1_2.validate(package.to_bytes()) == []


def test_declare_namespace_keeps_inner_prefix() -> None:
    # The indicator redeclares the root's indicator namespace under `ind`, and
    # rebuilding the root must not strip that declaration from under its value.
    text = SOURCE.replace(
        '<stix:Indicator xsi:type="indicator:IndicatorType" id="example:Indicator-1" version="2.2"/>',
        f'<stix:Indicator xmlns:ind="{INDICATOR_NS}" xsi:type="ind:IndicatorType" '
        'id="example:Indicator-1" version="2.2"/>',
    )
    package = stix_1_2.parse(text)
    assert isinstance(package, STIXPackage)
    expected = resolved_types(package.element)

    package.declare_namespace("extra", "urn:example:extra")

    assert resolved_types(package.element) == expected
    assert package.element.nsmap.get("extra") == "urn:example:extra"


def test_iterparse_keeps_inner_prefix() -> None:
    # An inner indicator redeclares the root's indicator namespace under `ind`.
    inner = (
        '<indicator:Composite_Indicator_Expression operator="AND">'
        f'<indicator:Indicator xmlns:ind="{INDICATOR_NS}" xsi:type="ind:IndicatorType" '
        'id="example:Indicator-9" version="2.2"/></indicator:Composite_Indicator_Expression>'
    )
    text = SOURCE.replace(
        '<stix:Indicator xsi:type="indicator:IndicatorType" id="example:Indicator-1" version="2.2"/>',
        '<stix:Indicator xsi:type="indicator:IndicatorType" id="example:Indicator-1" version="2.2">'
        f"{inner}</stix:Indicator>",
    )

    items = [item for item in stix_1_2.iterparse(text.encode()) if item.name == "indicators"]

    assert resolved_types(items[0].object.element) == [f"{{{INDICATOR_NS}}}IndicatorType"] * 2
    assert items[0].object.validate() == []


def test_id_value_never_rewritten() -> None:
    # The target binds the id prefix to another namespace, and the id keeps its text.
    text = OTHER_PREFIXES.replace('version="1.2">', 'xmlns:example="urn:example:other" version="1.2">', 1)
    package = stix_1_2.parse(text)
    assert isinstance(package, STIXPackage)
    indicator = parsed_indicator()

    package.indicators.append(indicator)

    assert indicator.element.get("id") == "example:Indicator-2"
    assert resolved_type(indicator.element) == f"{{{INDICATOR_NS}}}IndicatorType"


def test_list_declares_namespaces_once() -> None:
    package = STIXPackage(version="1.2")

    for number in range(3):
        package.indicators.append(Indicator(title=f"Indicator {number}", version="2.2"))
    written = package.to_bytes()

    assert written.count(b"xmlns:indicator=") == 1
    assert written.count(b"xmlns:xsi=") == 1
    assert document_types(written) == [f"{{{INDICATOR_NS}}}IndicatorType"] * 3
    assert stix_1_2.validate(written) == []


def test_constructor_declares_namespaces_once() -> None:
    package = STIXPackage(version="1.2", indicators=[api_indicator(), api_indicator()])
    package.declare_namespace("example", EXAMPLE_NS)
    written = package.to_bytes()

    assert written.count(b"xmlns:AddressObj=") == 1
    assert written.count(b"xmlns:cybox=") == 1
    assert written.count(b"xmlns:xsi=") == 1
    assert document_types(written) == [f"{{{INDICATOR_NS}}}IndicatorType", f"{{{ADDRESS_NS}}}AddressObjectType"] * 2
    assert stix_1_2.validate(written) == []


def test_validation_copy_keeps_inner_prefix() -> None:
    # The comment makes validation work on a copy, whose root declares every
    # namespace in scope, and the inner indicator uses its own prefix `ind`.
    text = (
        f'<indicator:Indicator xmlns:indicator="{INDICATOR_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="2.2">'
        '<indicator:Composite_Indicator_Expression operator="AND">'
        f'<indicator:Indicator xmlns:ind="{INDICATOR_NS}" xsi:type="ind:IndicatorType" version="2.2"/>'
        "</indicator:Composite_Indicator_Expression><!-- comment --></indicator:Indicator>"
    )
    indicator = stix_1_2.parse(text)

    assert indicator.validate() == []
    assert resolved_types(indicator.element) == [f"{{{INDICATOR_NS}}}IndicatorType"]
