"""Compare two XML documents as information sets and report where they differ.

This module defines what a lossless round trip means for the project: a
document read into the bindings and written back must compare equal to the
original under these rules.

- Elements must match by namespace URI and local name, in the same order.
- Attributes must match by namespace URI and local name, in any order.
- Namespace prefixes and namespace declarations are not compared.
- ``xsi:type`` values are QNames. Each one is resolved against the in-scope
  namespaces of its own element and compared as (namespace URI, local name).
  Leading and trailing whitespace is stripped first, because the XML Schema
  QName type collapses whitespace. A prefix that is not declared is reported
  as a difference, even when both documents contain the same value.
- ``xsi:schemaLocation`` is compared as an ordered list of
  (namespace, location) pairs, so only the whitespace between tokens may vary.
- An element that contains only text, in both documents, is compared by its
  text, exactly. So ``<a> </a>`` differs from ``<a/>``, while ``<a/>`` equals
  ``<a></a>``.
- In an element that contains child elements, comments or processing
  instructions in either document, text that contains only XML whitespace
  (space, tab, CR, LF) is layout and is ignored. So an element that contains
  only indented comments equals an empty one. If either document has other
  text in that element (mixed content), every text segment of the element is
  compared exactly, whitespace included.
- Comments, processing instructions, the XML declaration, the encoding and
  the DOCTYPE are ignored. Text on both sides of a comment or processing
  instruction is joined, so ``a<!--x-->b`` equals ``ab``.
- CDATA sections are plain text, because the parser merges them.
- An entity reference left unexpanded by the parser is compared by name and
  makes the element's text significant, as in mixed content.

NOTE: only ``xsi:type`` is compared as a QName. Other QName-typed values,
such as the ``id`` and ``idref`` attributes of STIX and CybOX, are compared
as plain strings, so a document that drops the declaration of the prefix they
use still compares equal.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias, cast

from lxml import etree

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI_NAMESPACE}}}type"
XSI_SCHEMA_LOCATION = f"{{{XSI_NAMESPACE}}}schemaLocation"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

# In lxml, the tag of a comment, processing instruction or entity reference
# is the factory function that creates such a node, e.g. etree.Comment.
_ENTITY_TAG: object = etree.Entity
_NODE_FACTORIES: frozenset[object] = frozenset(
    [etree.Comment, etree.ProcessingInstruction, etree.Entity]
)

# The four characters that XML 1.0 defines as whitespace. str.isspace() and
# str.split() also accept characters such as U+00A0, which are text in XML.
_XML_WHITESPACE = " \t\r\n"
_XML_TOKEN = re.compile(r"[^ \t\r\n]+")

# Texts up to this length appear whole in messages. Longer texts are shown as
# an excerpt around the first differing character.
_MAX_QUOTED_TEXT = 80
_EXCERPT_BEFORE = 20
_EXCERPT_AFTER = 40

# Above this many (expected x actual) pairs of unmatched sibling elements,
# siblings are paired by position instead of by difflib, whose matching is
# quadratic when many siblings share a name.
_MAX_ALIGNMENT_WORK = 1_000_000

Document: TypeAlias = bytes | etree._Element | etree._ElementTree


@dataclass(frozen=True)
class Difference:
    """One difference between the expected and the actual document."""

    path: str
    """Path of the expected element, e.g. ``/stix:STIX_Package[1]/stix:TTPs[1]``.

    Each step uses the element's prefix in the expected document, or its Clark
    name when it has none, and its 1-based position among siblings of the same
    name. Differences in text, and child elements or entity references that
    only the actual document contains, have the path of the parent element.
    """

    line: int | None
    """Source line of that element in the expected document, if known."""

    message: str
    """Plain-words description of the difference, with the expected and the actual value."""


def compare_documents(
    expected: Document,
    actual: Document,
    *,
    max_differences: int = 50,
) -> list[Difference]:
    """Compare two XML documents as information sets and return their differences.

    Each document may be the bytes of an XML file, a parsed element (compared
    as the root) or an element tree. Bytes are parsed without entity expansion,
    DTD loading or network access, and with libxml2's default limits, which
    reject nesting deeper than 256 elements. The equality rules are in the
    module docstring.

    Differences come in document order of the expected elements they belong
    to. For each element, its name, attributes and text come before the
    differences inside its child elements. The comparison stops after
    ``max_differences`` differences, so a list of exactly that length may be
    incomplete. An empty list means the documents are equal.

    Raises ValueError if ``max_differences`` is less than 1 or a document is
    not well-formed XML, and TypeError for a document of another type.
    """
    if max_differences < 1:
        raise ValueError(f"max_differences must be at least 1, got {max_differences}")

    expected_root = _to_element(expected, "expected")
    actual_root = _to_element(actual, "actual")

    comparison = _Comparison(expected_root, max_differences)
    comparison.run(expected_root, actual_root)
    return comparison.differences[:max_differences]


def documents_equal(expected: Document, actual: Document) -> bool:
    """Return True if the two documents have the same information set.

    This is ``compare_documents`` stopping at the first difference.
    """
    return not compare_documents(expected, actual, max_differences=1)


def _to_element(document: Document, role: str) -> etree._Element:
    if isinstance(document, etree._ElementTree):
        return document.getroot()

    if isinstance(document, etree._Element):
        return document

    if isinstance(document, bytes):
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        try:
            return etree.fromstring(document, parser)
        except etree.XMLSyntaxError as error:
            raise ValueError(f"The {role} document is not well-formed XML: {error}") from error

    raise TypeError(
        f"The {role} document must be bytes, an lxml element or an lxml element tree, "
        f"got {type(document).__name__}"
    )


def _source_line(element: etree._Element) -> int | None:
    # lxml-stubs 0.5.1 declares sourceline without a type, so narrow it here.
    line = element.sourceline
    return line if isinstance(line, int) else None


def _split_clark(name: str) -> tuple[str, str]:
    """Split a Clark name ``{uri}local`` into (uri, local), with "" for no namespace."""
    if name.startswith("{"):
        uri, _, local = name[1:].partition("}")
        return uri, local
    return "", name


def _format_name(uri: str, local: str) -> str:
    return f"{{{uri}}}{local}" if uri else local


def _format_qname(uri: str, local: str) -> str:
    return f"{{{uri}}}{local}" if uri else f"{local} in no namespace"


def _format_attribute_name(name: str) -> str:
    if name == XSI_TYPE:
        return "xsi:type"
    if name == XSI_SCHEMA_LOCATION:
        return "xsi:schemaLocation"
    return name


def _format_step(element: etree._Element) -> str:
    """Format a path step: prefixed name and position among siblings of the same name."""
    tag = str(element.tag)
    uri, local = _split_clark(tag)
    prefix = element.prefix
    name = f"{prefix}:{local}" if prefix else _format_name(uri, local)
    position = 1 + sum(1 for _ in element.itersiblings(tag, preceding=True))
    return f"{name}[{position}]"


def _format_content_item(item: etree._Element) -> str:
    if isinstance(item.tag, str):
        return _format_step(item)
    return f"entity reference {item.text}"


def _describe_item(item: etree._Element, role: str) -> str:
    """Describe a child item by Clark name, path step and line in its own document."""
    if not isinstance(item.tag, str):
        return f"entity reference {item.text}"

    line_number = _source_line(item)
    line = f", line {line_number} of the {role} document" if line_number is not None else ""
    return f"element {item.tag} ({_format_step(item)}{line})"


def _describe_texts(expected: str, actual: str) -> str:
    """Describe two different texts: whole if short, else around the first difference."""
    if len(expected) <= _MAX_QUOTED_TEXT and len(actual) <= _MAX_QUOTED_TEXT:
        return f"expected {expected!r}, found {actual!r}"

    index = 0
    shorter = min(len(expected), len(actual))
    while index < shorter and expected[index] == actual[index]:
        index += 1

    start = max(0, index - _EXCERPT_BEFORE)
    end = index + _EXCERPT_AFTER
    return (
        f"first difference at character {index + 1} "
        f"(expected {len(expected)} characters, found {len(actual)}): "
        f"expected ...{expected[start:end]!r}..., found ...{actual[start:end]!r}..."
    )


def _is_whitespace(text: str) -> bool:
    return not text.strip(_XML_WHITESPACE)


class _Content(NamedTuple):
    """An element's content with comments and processing instructions removed.

    ``items`` are the child elements and unexpanded entity references, and
    ``keys`` their names for alignment: the Clark name of an element, or
    ``&name;`` for an entity reference. ``segments[0]`` is the text before the
    first item and ``segments[i + 1]`` the text after item ``i``. The text on
    both sides of a removed node is joined into one segment.
    """

    items: list[etree._Element]
    keys: list[str]
    segments: list[str]
    has_significant_text: bool


def _read_content(element: etree._Element) -> _Content:
    items = list(element)
    keys = [child.tag for child in items]

    if _NODE_FACTORIES.isdisjoint(keys):
        # Only child elements, the common case.
        segments = [element.text or ""]
        segments += [child.tail or "" for child in items]
        has_significant_text = not _is_whitespace("".join(segments))
        return _Content(items, keys, segments, has_significant_text)

    items.clear()
    keys.clear()
    segments = [element.text or ""]
    has_entities = False

    for child in element:
        tag = child.tag
        if tag is _ENTITY_TAG:
            items.append(child)
            keys.append(child.text or "")
            segments.append(child.tail or "")
            has_entities = True
        elif type(tag) is str:
            items.append(child)
            keys.append(tag)
            segments.append(child.tail or "")
        else:
            segments[-1] += child.tail or ""

    has_significant_text = has_entities or not _is_whitespace("".join(segments))
    return _Content(items, keys, segments, has_significant_text)


def _resolve_qname(value: str, element: etree._Element) -> tuple[str, str] | str:
    """Resolve a QName against the element's in-scope namespaces.

    Returns (namespace URI, local name), or a message fragment saying why the
    value cannot be resolved. An unprefixed QName takes the default namespace.
    """
    text = value.strip(_XML_WHITESPACE)
    prefix, colon, local = text.rpartition(":")
    if not local or ":" in prefix or (colon and not prefix):
        return f"{value!r} is not a valid QName"

    namespaces = element.nsmap
    if not colon:
        return namespaces.get(None) or "", local

    if prefix == "xml":
        return XML_NAMESPACE, local

    uri = namespaces.get(prefix)
    if uri is None:
        return f"{value!r} uses the prefix {prefix!r}, which is not declared"
    return uri, local


def _schema_location_pairs(value: str) -> list[tuple[str, ...]]:
    tokens = _XML_TOKEN.findall(value)
    return [tuple(tokens[index : index + 2]) for index in range(0, len(tokens), 2)]


def _format_pairs(pairs: Iterable[tuple[str, ...]]) -> str:
    return ", ".join(" ".join(pair) for pair in pairs) or "none"


class _Comparison:
    """State of one comparison: the expected root and the differences found so far."""

    def __init__(self, expected_root: etree._Element, max_differences: int) -> None:
        self.expected_root = expected_root
        self.max_differences = max_differences
        self.differences: list[Difference] = []

    def report(self, expected: etree._Element, message: str) -> None:
        # Skipping reports past the limit also skips building their paths.
        if len(self.differences) >= self.max_differences:
            return
        self.differences.append(Difference(self._path(expected), _source_line(expected), message))

    def _path(self, element: etree._Element) -> str:
        steps: list[str] = []
        current: etree._Element | None = element
        while current is not None and current is not self.expected_root:
            steps.append(_format_step(current))
            current = current.getparent()

        root = self.expected_root
        uri, local = _split_clark(str(root.tag))
        root_name = f"{root.prefix}:{local}" if root.prefix else _format_name(uri, local)
        steps.append(f"{root_name}[1]")

        return "/" + "/".join(reversed(steps))

    def run(self, expected_root: etree._Element, actual_root: etree._Element) -> None:
        """Walk both trees in document order with an explicit stack, not recursion."""
        if expected_root.tag != actual_root.tag:
            self.report(
                expected_root,
                f"root element differs: expected {expected_root.tag}, found {actual_root.tag}",
            )
            return

        differences = self.differences
        stack: list[tuple[etree._Element, etree._Element]] = [(expected_root, actual_root)]
        while stack and len(differences) < self.max_differences:
            expected, actual = stack.pop()

            expected_attributes = expected.items()
            actual_attributes = actual.items()
            if expected_attributes or actual_attributes:
                self.compare_attributes(expected, expected_attributes, actual, actual_attributes)

            # Fast path for the common leaf element: no child nodes of any kind.
            if len(expected) == 0 and len(actual) == 0:
                expected_text = expected.text or ""
                actual_text = actual.text or ""
                if expected_text != actual_text:
                    self.compare_text(expected, "text", expected_text, actual_text)
                continue

            pairs = self.compare_content(expected, actual)

            # Reversed, so that the first child is popped, and compared, first.
            stack.extend(reversed(pairs))

    def compare_attributes(
        self,
        expected: etree._Element,
        expected_items: Sequence[tuple[str | bytes, str | bytes]],
        actual: etree._Element,
        actual_items: Sequence[tuple[str | bytes, str | bytes]],
    ) -> None:
        if expected_items == actual_items and expected.get(XSI_TYPE) is None:
            return

        # lxml returns str names and values, but the stubs also allow bytes.
        expected_attributes = cast(dict[str, str], dict(expected_items))
        actual_attributes = cast(dict[str, str], dict(actual_items))
        if expected_attributes == actual_attributes and XSI_TYPE not in expected_attributes:
            return

        for name in sorted(expected_attributes.keys() | actual_attributes.keys()):
            shown_name = _format_attribute_name(name)
            expected_value = expected_attributes.get(name)
            actual_value = actual_attributes.get(name)

            if actual_value is None:
                self.report(
                    expected, f"attribute {shown_name} is missing: expected {expected_value!r}"
                )
            elif expected_value is None:
                self.report(
                    expected, f"unexpected attribute {shown_name} with value {actual_value!r}"
                )
            elif name == XSI_TYPE:
                self.compare_xsi_types(expected, expected_value, actual, actual_value)
            elif name == XSI_SCHEMA_LOCATION:
                self.compare_schema_locations(expected, expected_value, actual_value)
            elif expected_value != actual_value:
                self.report(
                    expected,
                    f"attribute {shown_name} differs: "
                    f"{_describe_texts(expected_value, actual_value)}",
                )

    def compare_xsi_types(
        self,
        expected: etree._Element,
        expected_value: str,
        actual: etree._Element,
        actual_value: str,
    ) -> None:
        expected_type = _resolve_qname(expected_value, expected)
        actual_type = _resolve_qname(actual_value, actual)

        if isinstance(expected_type, str):
            self.report(expected, f"xsi:type in the expected document: {expected_type}")
        if isinstance(actual_type, str):
            self.report(expected, f"xsi:type in the actual document: {actual_type}")
        if isinstance(expected_type, str) or isinstance(actual_type, str):
            return

        if expected_type != actual_type:
            self.report(
                expected,
                f"xsi:type differs: expected {expected_value!r}, which resolves to "
                f"{_format_qname(*expected_type)}, found {actual_value!r}, which resolves to "
                f"{_format_qname(*actual_type)}",
            )

    def compare_schema_locations(
        self, expected: etree._Element, expected_value: str, actual_value: str
    ) -> None:
        expected_pairs = _schema_location_pairs(expected_value)
        actual_pairs = _schema_location_pairs(actual_value)
        if expected_pairs == actual_pairs:
            return

        expected_counts = Counter(expected_pairs)
        actual_counts = Counter(actual_pairs)
        if expected_counts == actual_counts:
            self.report(
                expected,
                "xsi:schemaLocation lists the same pairs in a different order: "
                f"expected {_format_pairs(expected_pairs)}, "
                f"found {_format_pairs(actual_pairs)}",
            )
            return

        only_expected = (expected_counts - actual_counts).elements()
        only_actual = (actual_counts - expected_counts).elements()
        self.report(
            expected,
            "xsi:schemaLocation differs. "
            f"Pairs only in the expected document: {_format_pairs(only_expected)}. "
            f"Pairs only in the actual document: {_format_pairs(only_actual)}.",
        )

    def compare_content(
        self, expected: etree._Element, actual: etree._Element
    ) -> list[tuple[etree._Element, etree._Element]]:
        """Compare text and child items and return the child element pairs to descend into."""
        expected_content = _read_content(expected)
        actual_content = _read_content(actual)
        significant_text = (
            expected_content.has_significant_text or actual_content.has_significant_text
        )

        if not expected_content.items and not actual_content.items:
            # A comment or processing instruction is present in one document at
            # least, because run() compares elements without child nodes itself.
            # Whitespace around those nodes is layout.
            if significant_text:
                self.compare_text(
                    expected, "text", expected_content.segments[0], actual_content.segments[0]
                )
            return []
        if not significant_text and expected_content.keys == actual_content.keys:
            # The common case: element-only content with the same child names.
            return list(zip(expected_content.items, actual_content.items))

        if significant_text:
            self.compare_text(
                expected,
                "text before the first child",
                expected_content.segments[0],
                actual_content.segments[0],
            )

        pairs: list[tuple[etree._Element, etree._Element]] = []
        aligned = self.align_items(expected, expected_content, actual_content)
        for expected_index, actual_index in aligned:
            expected_item = expected_content.items[expected_index]
            actual_item = actual_content.items[actual_index]

            if significant_text:
                self.compare_text(
                    expected,
                    f"text after {_format_content_item(expected_item)}",
                    expected_content.segments[expected_index + 1],
                    actual_content.segments[actual_index + 1],
                )

            if expected_item.tag is not _ENTITY_TAG:
                pairs.append((expected_item, actual_item))

        return pairs

    def compare_text(
        self, expected: etree._Element, what: str, expected_text: str, actual_text: str
    ) -> None:
        if expected_text != actual_text:
            self.report(expected, f"{what} differs: {_describe_texts(expected_text, actual_text)}")

    def align_items(
        self, parent: etree._Element, expected: _Content, actual: _Content
    ) -> list[tuple[int, int]]:
        """Match child items by name and return the (expected, actual) index pairs.

        Unmatched items are reported as missing, unexpected or replaced.
        """
        expected_items, expected_keys = expected.items, expected.keys
        actual_items, actual_keys = actual.items, actual.keys
        if expected_keys == actual_keys:
            return [(index, index) for index in range(len(expected_keys))]

        # Match the common head and tail directly, so that difflib only
        # compares the part that differs.
        head = 0
        shorter = min(len(expected_keys), len(actual_keys))
        while head < shorter and expected_keys[head] == actual_keys[head]:
            head += 1
        tail = 0
        while (
            tail < shorter - head
            and expected_keys[-1 - tail] == actual_keys[-1 - tail]
        ):
            tail += 1

        expected_middle = expected_keys[head : len(expected_keys) - tail]
        actual_middle = actual_keys[head : len(actual_keys) - tail]

        if len(expected_middle) * len(actual_middle) <= _MAX_ALIGNMENT_WORK:
            matcher = difflib.SequenceMatcher(None, expected_middle, actual_middle, autojunk=False)
            opcodes = matcher.get_opcodes()
        else:
            opcodes = [("replace", 0, len(expected_middle), 0, len(actual_middle))]

        pairs = [(index, index) for index in range(head)]
        for operation, expected_start, expected_end, actual_start, actual_end in opcodes:
            expected_range = range(head + expected_start, head + expected_end)
            actual_range = range(head + actual_start, head + actual_end)

            if operation == "equal":
                pairs.extend(zip(expected_range, actual_range))
                continue

            for expected_index, actual_index in zip(expected_range, actual_range):
                self.report_replaced(
                    parent, expected_items[expected_index], actual_items[actual_index]
                )

            replaced = min(len(expected_range), len(actual_range))
            for expected_index in expected_range[replaced:]:
                self.report_missing(parent, expected_items[expected_index])
            for actual_index in actual_range[replaced:]:
                self.report_unexpected(parent, actual_items[actual_index])

        pairs.extend(
            (len(expected_keys) - tail + offset, len(actual_keys) - tail + offset)
            for offset in range(tail)
        )
        return pairs

    def report_replaced(
        self, parent: etree._Element, expected_item: etree._Element, actual_item: etree._Element
    ) -> None:
        anchor = expected_item if isinstance(expected_item.tag, str) else parent
        self.report(
            anchor,
            f"expected {_describe_item(expected_item, 'expected')}, "
            f"found {_describe_item(actual_item, 'actual')}",
        )

    def report_missing(self, parent: etree._Element, expected_item: etree._Element) -> None:
        if isinstance(expected_item.tag, str):
            self.report(expected_item, f"element {expected_item.tag} is missing")
        else:
            self.report(parent, f"{_describe_item(expected_item, 'expected')} is missing")

    def report_unexpected(self, parent: etree._Element, actual_item: etree._Element) -> None:
        self.report(parent, f"unexpected {_describe_item(actual_item, 'actual')}")
