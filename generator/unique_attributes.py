"""Check the CybOX and MAEC unique-id constraints in one pass over the document.

CybOX and MAEC declare constraints such as ``cybox:unique-object-id`` on
``cybox:Object``: an ``xs:unique`` whose selector is ``.//*`` and whose one
field is ``@id``, so no two descendants of the element may have the same
``id``. xmlschema 4.3.2 evaluates these with elementpath: it selects every
descendant of each scope element and reads each ``id`` through a new XPath
context. On the APT1 sample that was about 40% of the validation time. It
also missed the ids of elements that only an ``xsi:type`` declares. The
validator stops xmlschema from scanning the schema tree of each ``xsi:type``
(see ``generator.validation``), so those declarations were never registered
with the constraint. libxml2 checks them.

`take_over` removes such constraints from the schema's element declarations,
so xmlschema no longer evaluates them, and returns what `UniqueAttributeCheck`
needs to check them instead. The check is xmlschema's ``extra_validator``,
which xmlschema calls for each element that the validation traverses, after
the element's content. So the check visits the elements in post-order, the
order in which xmlschema and libxml2 count the values. A duplicate is
reported once per value and scope, at the element whose value is counted
second, as both of them do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from xmlschema import XMLSchema10, XMLSchemaValidationError
from xmlschema.validators import XsdElement
from xmlschema.validators.identities import XsdUnique

# A field that names one attribute without a prefix (`@id`).
_ATTRIBUTE_FIELD = re.compile(r"@([A-Za-z_][\w.\-]*)")


@dataclass(frozen=True)
class UniqueAttribute:
    """An ``xs:unique`` constraint with selector ``.//*`` and the one field ``@attribute``."""

    identity: Any
    attribute: str


# An element declaration, or a copy that xmlschema makes of one for an
# `xsi:type`, is known by its name and its parent, which a copy keeps.
DeclarationKey = tuple[Any, int]


def declaration_key(element: Any) -> DeclarationKey:
    """Return the key that a declaration and its copies share."""
    return (getattr(element, "name", None), id(getattr(element, "parent", None)))


def take_over(schema: XMLSchema10) -> dict[DeclarationKey, tuple[UniqueAttribute, ...]]:
    """Remove every unique-attribute constraint from the declarations of `schema`,
    and return the constraints of each declaration that had some.

    This changes the schema object in memory only. The lists and sets are
    changed in place, because xmlschema shares them between a declaration,
    its references and its copies.
    """
    constraints = {
        identity: UniqueAttribute(identity, attribute)
        for identity in schema.maps.identities.values()
        if (attribute := _unique_attribute(identity)) is not None
    }

    by_declaration: dict[DeclarationKey, tuple[UniqueAttribute, ...]] = {}
    declarations = [component for component in schema.maps.iter_components() if isinstance(component, XsdElement)]
    for declaration in declarations:
        target = declaration.ref if declaration.ref is not None else declaration
        found = tuple(constraints[identity] for identity in target.identities if identity in constraints)
        if found:
            by_declaration[declaration_key(declaration)] = found
            by_declaration[declaration_key(target)] = found

    for declaration in declarations:
        for identity in [identity for identity in declaration.identities if identity in constraints]:
            declaration.identities.remove(identity)
        declaration.selected_by.difference_update(constraints)
    return by_declaration


def _unique_attribute(identity: Any) -> str | None:
    if not isinstance(identity, XsdUnique) or identity.ref is not None or identity.selector is None:
        return None
    if identity.selector.path.replace(" ", "") != ".//*" or len(identity.fields) != 1:
        return None
    match = _ATTRIBUTE_FIELD.fullmatch(identity.fields[0].path.replace(" ", ""))
    return match.group(1) if match else None


class UniqueAttributeCheck:
    """The unique-attribute constraints of one validation, as an ``extra_validator``.

    Make one per validation: it records every element that the validation
    traverses.
    """

    def __init__(self, constraints: Mapping[DeclarationKey, tuple[UniqueAttribute, ...]]) -> None:
        self._constraints = constraints
        self._attributes = sorted({constraint.attribute for found in constraints.values() for constraint in found})
        # Element -> its position in post-order and the key of each constrained attribute it has.
        self._counted: dict[etree._Element, tuple[int, dict[str, str]]] = {}
        self._qname_attributes: dict[int, frozenset[str]] = {}

    # `element` is typed Any because xmlschema types it as an ElementTree element.
    def __call__(self, element: Any, declaration: Any) -> Iterator[XMLSchemaValidationError] | None:
        keys = {}
        for attribute in self._attributes:
            value = element.get(attribute)
            if value is not None:
                keys[attribute] = self._key(element, attribute, value, declaration)
        self._counted[element] = (len(self._counted), keys)

        constraints = self._constraints.get(declaration_key(declaration))
        if not constraints:
            return None
        # xmlschema collects errors from a returned generator, not from a list.
        return (error for constraint in constraints for error in self._duplicates(element, declaration, constraint))

    def _duplicates(
        self, scope: etree._Element, declaration: Any, constraint: UniqueAttribute
    ) -> Iterator[XMLSchemaValidationError]:
        # Descendants that the validation skipped (in a processContents="skip"
        # wildcard) were not counted, and do not count here either.
        values: list[tuple[int, str, etree._Element]] = []
        for descendant in scope.iterdescendants(etree.Element):
            counted = self._counted.get(descendant)
            if counted is None:
                continue
            position, keys = counted
            key = keys.get(constraint.attribute)
            if key is not None:
                values.append((position, key, descendant))

        values.sort(key=lambda item: item[0])
        seen: dict[str, int] = {}
        for _, key, descendant in values:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] == 2:
                # The reason has the form of xmlschema's own, which the validator turns into a message.
                reason = f"duplicated value {(key,)!r} for {constraint.identity!r}"
                yield XMLSchemaValidationError(declaration, descendant, reason)

    def _key(self, element: etree._Element, attribute: str, value: str, declaration: Any) -> str:
        """Return the value that the constraint compares: the expanded name of a QName, else the text."""
        if attribute not in self._qname_attributes_of(declaration):
            # NOTE: other types compare their text as written, without the
            # whitespace normalization of their type (xs:ID collapses it).
            return value

        prefix, _, local = value.strip().rpartition(":")
        namespace = element.nsmap.get(prefix or None)
        if namespace is None:
            # An undeclared prefix makes the value invalid, which the attribute's type reports.
            return local if not prefix else value
        return f"{{{namespace}}}{local}"

    def _qname_attributes_of(self, declaration: Any) -> frozenset[str]:
        xsd_type = getattr(declaration, "type", None)
        known = self._qname_attributes.get(id(xsd_type))
        if known is None:
            attributes = getattr(xsd_type, "attributes", {})
            known = frozenset(
                attribute
                for attribute in self._attributes
                if attribute in attributes and attributes[attribute].type.is_qname()
            )
            # Keyed by the type's id: the types live as long as the schema.
            self._qname_attributes[id(xsd_type)] = known
        return known
