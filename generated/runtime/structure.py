"""The structure check that runs once when a document is read.

It walks the whole tree, picks the class of every element (its field's
declared class, or the class its `xsi:type` names) and checks that each child
element, attribute and piece of text is one the class's content model allows.
It does not check values, order or counts: a value of the wrong lexical type
is kept as written (the typed field reports it when read), and full schema
validation is a separate step.

In strict mode the first disallowed item raises an error naming its line, its
element path and what was expected.  In lenient mode each one is logged as a
warning and left in place, so the document still round-trips without loss.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lxml import etree

from .errors import DocumentError, TypeDerivationError, UnexpectedContentError
from .xmlio import XSI_NAMESPACE, XSI_TYPE, element_path, prefixed_name, resolve_qname

if TYPE_CHECKING:
    from .bundle import Bundle
    from .objects import ComplexObject

log = logging.getLogger("generated")

_XSI_PREFIX = f"{{{XSI_NAMESPACE}}}"


class _Checker:
    def __init__(self, bundle: Bundle, strict: bool) -> None:
        self.bundle = bundle
        self.strict = strict

    def report(self, error: DocumentError) -> None:
        if self.strict:
            raise error
        log.warning("%s (kept as XML because strict=False)", error)

    def unexpected(self, element: etree._Element, message: str) -> None:
        self.report(
            UnexpectedContentError(message, line=element.sourceline, path=element_path(element))
        )

    def class_of(
        self, element: etree._Element, declared: type[ComplexObject]
    ) -> type[ComplexObject] | None:
        """Return the class of `element`, or None when its content is not described
        by the bundle (an unknown `xsi:type`) and is kept as XML."""
        value = element.get(XSI_TYPE)
        if value is None:
            if declared._abstract:
                self.report(
                    TypeDerivationError(
                        f"element {_name(element)} has the abstract type "
                        f"{_type_name(element, declared._qname)} and no xsi:type naming "
                        "a concrete type derived from it",
                        line=element.sourceline,
                        path=element_path(element),
                    )
                )
                return None
            return declared

        qname = resolve_qname(element, value)
        if qname is None:
            self.report(
                TypeDerivationError(
                    f"xsi:type {value!r} uses a prefix that is not declared",
                    line=element.sourceline,
                    path=element_path(element),
                )
            )
            return None

        cls = self.bundle.class_for_type(qname)
        if cls is None:
            self.bundle.note_unknown_type(qname, element)
            return None

        if not issubclass(cls, declared):
            self.report(
                TypeDerivationError(
                    f"xsi:type {value} is not derived from "
                    f"{_type_name(element, declared._qname)}, the declared type of "
                    f"element {_name(element)}",
                    line=element.sourceline,
                    path=element_path(element),
                )
            )
            return None
        return cls

    def check_attributes(self, element: etree._Element, cls: type[ComplexObject] | None) -> None:
        names = element.keys()
        if not names:
            return

        declared = cls._attribute_fields if cls is not None else {}
        wildcard = cls._any_attribute if cls is not None else None
        for name in names:
            if name in declared or name.startswith(_XSI_PREFIX):
                continue
            if wildcard is not None and wildcard.allows(name):
                continue
            self.unexpected(
                element,
                f"unexpected attribute {prefixed_name(element, name)} on element "
                f"{_name(element)}; allowed: {_allowed_attributes(element, cls)}",
            )

    def check_text(self, element: etree._Element, cls: type[ComplexObject]) -> None:
        content = cls._content
        if content in ("simple", "mixed"):
            return

        texts = [element.text] + [child.tail for child in element]
        for text in texts:
            if text and not text.isspace():
                kind = "no text" if content == "element" else "no content"
                self.unexpected(
                    element,
                    f"unexpected text {_excerpt(text)} in element {_name(element)}; its type "
                    f"{_type_name(element, cls._qname)} allows {kind}",
                )
                return

    def check_simple_element(self, element: etree._Element) -> None:
        self.check_attributes(element, None)
        for child in element:
            if isinstance(child.tag, str):
                self.unexpected(
                    child,
                    f"unexpected element {_name(child)} in element {_name(element)}, "
                    "whose type is a simple type and allows only text",
                )
                return

    def walk(self, root: etree._Element, cls: type[ComplexObject]) -> None:
        stack = [(root, cls)]
        while stack:
            element, cls = stack.pop()
            self.check_attributes(element, cls)
            self.check_text(element, cls)

            fields = cls._element_fields
            for child in element:
                tag = child.tag
                if not isinstance(tag, str):
                    continue

                field = fields.get(tag)
                if field is None:
                    if not any(wildcard.allows(tag) for wildcard in cls._wildcards):
                        self.unexpected_child(element, child, cls)
                    continue

                declared = field.class_for(cls, tag)
                if declared is None:
                    self.check_simple_element(child)
                    continue

                child_cls = self.class_of(child, declared)
                if child_cls is not None:
                    stack.append((child, child_cls))

    def unexpected_child(
        self, element: etree._Element, child: etree._Element, cls: type[ComplexObject]
    ) -> None:
        allowed = [prefixed_name(element, tag) for tag in cls._element_fields]
        if cls._content == "simple" or not allowed and not cls._wildcards:
            expected = (
                f"its type {_type_name(element, cls._qname)} allows no child elements"
            )
        else:
            expected = "expected one of: " + ", ".join(allowed)
            if cls._wildcards:
                expected += " or an element matched by xs:any"
        self.unexpected(
            child, f"unexpected element {_name(child)} in element {_name(element)}; {expected}"
        )


def check_structure(
    root: etree._Element, declared: type[ComplexObject], bundle: Bundle, *, strict: bool
) -> ComplexObject:
    """Check the tree under `root`, whose declared class is `declared`, and return
    the object for `root` (see the module docstring for what is checked)."""
    checker = _Checker(bundle, strict)
    cls = checker.class_of(root, declared)
    if cls is not None:
        checker.walk(root, cls)
    return bundle.bind(root, declared)


def _name(element: etree._Element) -> str:
    return prefixed_name(element, element.tag)


def _type_name(element: etree._Element, qname: str) -> str:
    return prefixed_name(element, qname)


def _allowed_attributes(element: etree._Element, cls: type[ComplexObject] | None) -> str:
    if cls is None or not cls._attribute_fields:
        return "none"
    return ", ".join(prefixed_name(element, name) for name in cls._attribute_fields)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")
