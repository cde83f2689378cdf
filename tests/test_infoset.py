"""Tests for generator.infoset, the comparison that defines a lossless round trip."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.infoset import (
    XSI_NAMESPACE,
    XSI_TYPE,
    Difference,
    compare_documents,
    documents_equal,
)

# Real STIX documents live beside the repository, not in it, so a fresh clone
# has no corpus and the corpus tests skip.
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"

XSI_DECLARATION = f'xmlns:xsi="{XSI_NAMESPACE}"'


def differences(expected: str | bytes, actual: str | bytes, **options: int) -> list[Difference]:
    expected_bytes = expected.encode() if isinstance(expected, str) else expected
    actual_bytes = actual.encode() if isinstance(actual, str) else actual
    return compare_documents(expected_bytes, actual_bytes, **options)


def messages(expected: str, actual: str) -> list[str]:
    return [difference.message for difference in differences(expected, actual)]


# --- Element names and order -------------------------------------------------


def test_identical_documents_equal() -> None:
    document = '<r xmlns="urn:a" id="1"><c>text</c><d/></r>'
    assert differences(document, document) == []
    assert documents_equal(document.encode(), document.encode())


def test_prefix_renaming_equal() -> None:
    expected = '<a:r xmlns:a="urn:a" xmlns:b="urn:b"><a:c/><b:d>x</b:d></a:r>'
    actual = '<p:r xmlns:p="urn:a" xmlns:q="urn:b"><p:c/><q:d>x</q:d></p:r>'
    assert differences(expected, actual) == []


def test_default_namespace_equals_prefix() -> None:
    expected = '<r xmlns="urn:a"><c/></r>'
    actual = '<p:r xmlns:p="urn:a"><p:c/></p:r>'
    assert differences(expected, actual) == []


def test_namespace_declarations_free() -> None:
    expected = '<r xmlns:a="urn:a" xmlns:unused="urn:unused"><a:c/><a:d/></r>'
    actual = '<r><a:c xmlns:a="urn:a"/><b:d xmlns:b="urn:a"/></r>'
    assert differences(expected, actual) == []


def test_namespace_uri_differs() -> None:
    found = differences('<r xmlns:a="urn:a"><a:c/></r>', '<r xmlns:a="urn:other"><a:c/></r>')
    assert len(found) == 1
    assert found[0].path == "/r[1]/a:c[1]"
    assert "{urn:a}c" in found[0].message
    assert "{urn:other}c" in found[0].message


def test_root_name_differs() -> None:
    found = differences("<r/>", "<s/>")
    assert [difference.message for difference in found] == ["root element differs: expected r, found s"]


def test_extra_empty_element_differs() -> None:
    found = differences("<r><a>1</a></r>", "<r><a>1</a><b/></r>")
    assert len(found) == 1
    assert found[0].path == "/r[1]"
    assert found[0].message.startswith("unexpected element b")


def test_missing_element_differs() -> None:
    found = differences("<r><a/><b/><c/></r>", "<r><a/><c/></r>")
    assert len(found) == 1
    assert found[0].path == "/r[1]/b[1]"
    assert found[0].message == "element b is missing"


def test_swapped_children_differ() -> None:
    assert messages("<r><a/><b/></r>", "<r><b/><a/></r>") != []


def test_one_inserted_sibling_among_many() -> None:
    expected = "<r>" + "<i/>" * 5000 + "</r>"
    actual = "<r>" + "<i/>" * 2500 + "<j/>" + "<i/>" * 2500 + "</r>"
    found = differences(expected, actual)
    assert len(found) == 1
    assert found[0].message.startswith("unexpected element j (j[1], line 1 of the actual document)")


def test_many_replaced_siblings_stop_at_limit() -> None:
    expected = "<r>" + "".join(f"<a{index}/>" for index in range(1500)) + "</r>"
    actual = "<r>" + "".join(f"<b{index}/>" for index in range(1500)) + "</r>"
    found = differences(expected, actual, max_differences=5)
    assert len(found) == 5
    assert found[0].path == "/r[1]/a0[1]"


# --- Attributes --------------------------------------------------------------


def test_attribute_order_free() -> None:
    assert differences('<r a="1" b="2" c="3"/>', '<r c="3" a="1" b="2"/>') == []


def test_attribute_value_differs() -> None:
    assert messages('<r a="1"/>', '<r a="2"/>') == ["attribute a differs: expected '1', found '2'"]


def test_dropped_attribute_differs() -> None:
    assert messages('<r a="1" b="2"/>', '<r a="1"/>') == ["attribute b is missing: expected '2'"]


def test_extra_attribute_differs() -> None:
    assert messages("<r/>", '<r a="1"/>') == ["unexpected attribute a with value '1'"]


def test_namespaced_attribute_prefix_free() -> None:
    expected = '<r xmlns:p="urn:a" p:x="1"/>'
    assert differences(expected, '<r xmlns:q="urn:a" q:x="1"/>') == []


def test_namespaced_attribute_differs_from_plain() -> None:
    found = messages('<r xmlns:p="urn:a" p:x="1"/>', '<r x="1"/>')
    assert found == [
        "unexpected attribute x with value '1'",
        "attribute {urn:a}x is missing: expected '1'",
    ]


# --- xsi:type ----------------------------------------------------------------


def test_xsi_type_prefix_renaming_equal() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:ind="urn:indicator" xsi:type="ind:IndicatorType"/>'
    actual = f'<r {XSI_DECLARATION} xmlns:other="urn:indicator" xsi:type="other:IndicatorType"/>'
    assert differences(expected, actual) == []


def test_xsi_type_resolved_per_element() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:t="urn:one"><c xsi:type="t:T"/></r>'
    actual = f'<r {XSI_DECLARATION} xmlns:t="urn:two"><c xmlns:t="urn:one" xsi:type="t:T"/></r>'
    assert differences(expected, actual) == []


def test_xsi_type_rebound_prefix_differs() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:T"/>'
    actual = f'<r {XSI_DECLARATION} xmlns:t="urn:two" xsi:type="t:T"/>'
    assert messages(expected, actual) == [
        "xsi:type differs: expected 't:T', which resolves to {urn:one}T, "
        "found 't:T', which resolves to {urn:two}T"
    ]


def test_xsi_type_local_name_differs() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:T"/>'
    actual = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:U"/>'
    assert len(differences(expected, actual)) == 1


def test_xsi_type_with_renamed_xsi_prefix() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:T"/>'
    actual = f'<r xmlns:i="{XSI_NAMESPACE}" xmlns:u="urn:one" i:type="u:T"/>'
    assert differences(expected, actual) == []


def test_xsi_type_unprefixed_uses_default_namespace() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns="urn:one" xsi:type="T"/>'
    assert differences(expected, f'<p:r {XSI_DECLARATION} xmlns:p="urn:one" xsi:type="p:T"/>') == []
    assert len(differences(expected, f'<p:r {XSI_DECLARATION} xmlns:p="urn:one" xsi:type="T"/>')) == 1


def test_xsi_type_surrounding_whitespace_free() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:T"/>'
    assert differences(expected, f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type=" t:T "/>') == []


def test_xsi_type_undeclared_prefix_differs() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:T"/>'
    found = messages(expected, f'<r {XSI_DECLARATION} xsi:type="t:T"/>')
    assert found == [
        "xsi:type in the actual document: 't:T' uses the prefix 't', which is not declared"
    ]


def test_xsi_type_undeclared_on_both_sides() -> None:
    document = f'<r {XSI_DECLARATION} xsi:type="t:T"/>'
    assert len(differences(document, document)) == 2


def test_xsi_type_invalid_qname_differs() -> None:
    document = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:T:U"/>'
    found = messages(document, document)
    assert found[0] == "xsi:type in the expected document: 't:T:U' is not a valid QName"


def test_xsi_type_dropped_differs() -> None:
    expected = f'<r {XSI_DECLARATION} xmlns:t="urn:one" xsi:type="t:T"/>'
    assert messages(expected, f"<r {XSI_DECLARATION}/>") == ["attribute xsi:type is missing: expected 't:T'"]


# --- xsi:schemaLocation ------------------------------------------------------


SCHEMA_LOCATION = "urn:a a.xsd urn:b b.xsd"


def test_schema_location_kept_equal() -> None:
    document = f'<r {XSI_DECLARATION} xsi:schemaLocation="{SCHEMA_LOCATION}"/>'
    assert differences(document, document) == []


def test_schema_location_whitespace_free() -> None:
    expected = f'<r {XSI_DECLARATION} xsi:schemaLocation="{SCHEMA_LOCATION}"/>'
    actual = f'<r {XSI_DECLARATION} xsi:schemaLocation="  urn:a&#10;a.xsd\turn:b   b.xsd "/>'
    assert differences(expected, actual) == []


def test_schema_location_dropped_differs() -> None:
    expected = f'<r {XSI_DECLARATION} xsi:schemaLocation="{SCHEMA_LOCATION}"/>'
    assert messages(expected, f"<r {XSI_DECLARATION}/>") == [
        f"attribute xsi:schemaLocation is missing: expected '{SCHEMA_LOCATION}'"
    ]


def test_schema_location_pair_changed() -> None:
    expected = f'<r {XSI_DECLARATION} xsi:schemaLocation="{SCHEMA_LOCATION}"/>'
    actual = f'<r {XSI_DECLARATION} xsi:schemaLocation="urn:a a.xsd urn:b other.xsd"/>'
    assert messages(expected, actual) == [
        "xsi:schemaLocation differs. Pairs only in the expected document: urn:b b.xsd. "
        "Pairs only in the actual document: urn:b other.xsd."
    ]


def test_schema_location_order_differs() -> None:
    expected = f'<r {XSI_DECLARATION} xsi:schemaLocation="{SCHEMA_LOCATION}"/>'
    actual = f'<r {XSI_DECLARATION} xsi:schemaLocation="urn:b b.xsd urn:a a.xsd"/>'
    found = messages(expected, actual)
    assert len(found) == 1
    assert "same pairs in a different order" in found[0]


# --- Text --------------------------------------------------------------------


def test_timestamp_offset_notation_differs() -> None:
    expected = "<r><Timestamp>2014-10-21T21:10:09Z</Timestamp></r>"
    actual = "<r><Timestamp>2014-10-21T21:10:09+00:00</Timestamp></r>"
    found = differences(expected, actual)
    assert len(found) == 1
    assert found[0].path == "/r[1]/Timestamp[1]"
    assert found[0].message == (
        "text differs: expected '2014-10-21T21:10:09Z', found '2014-10-21T21:10:09+00:00'"
    )


def test_timestamp_in_attribute_differs() -> None:
    expected = '<r timestamp="2014-10-21T21:10:09Z"/>'
    actual = '<r timestamp="2014-10-21T21:10:09+00:00"/>'
    assert len(differences(expected, actual)) == 1


def test_indentation_ignored() -> None:
    expected = "<r>\n  <a>\n    <b>x</b>\n  </a>\n  <c/>\n</r>"
    actual = "<r><a><b>x</b></a>\t<c/></r>"
    assert differences(expected, actual) == []


def test_leaf_whitespace_differs_from_empty() -> None:
    found = differences("<r><a> </a></r>", "<r><a/></r>")
    assert [difference.message for difference in found] == ["text differs: expected ' ', found ''"]


def test_leaf_whitespace_compared_exactly() -> None:
    assert len(differences("<r><a> </a></r>", "<r><a>  </a></r>")) == 1
    assert len(differences("<r><a>x </a></r>", "<r><a>x</a></r>")) == 1


def test_empty_element_forms_equal() -> None:
    assert differences("<r><a/></r>", "<r><a></a></r>") == []


def test_no_break_space_is_not_indentation() -> None:
    expected = "<r>\u00a0<a/></r>"
    assert len(differences(expected, "<r><a/></r>")) == 1


def test_mixed_content_compared_exactly() -> None:
    expected = "<p>Hello <b>big</b> world</p>"
    assert differences(expected, expected) == []
    found = messages(expected, "<p>Hello <b>big</b>world</p>")
    assert found == ["text after b[1] differs: expected ' world', found 'world'"]


def test_mixed_content_whitespace_significant() -> None:
    assert len(differences("<p>x<b/> <b/></p>", "<p>x<b/><b/></p>")) == 1


def test_mixed_content_on_one_side() -> None:
    found = messages("<p>x<b/></p>", "<p><b/></p>")
    assert found == ["text before the first child differs: expected 'x', found ''"]


def test_cdata_equals_escaped_text() -> None:
    assert differences("<r><![CDATA[a < b & c]]></r>", "<r>a &lt; b &amp; c</r>") == []


def test_character_references_equal_literal() -> None:
    assert differences('<r a="&#38;">&#233;</r>', '<r a="&amp;">\u00e9</r>') == []


def test_long_text_difference_excerpt() -> None:
    expected = "<r>" + "A" * 500 + "B" + "A" * 500 + "</r>"
    actual = "<r>" + "A" * 500 + "C" + "A" * 500 + "</r>"
    message = messages(expected, actual)[0]
    assert message.startswith("text differs: first difference at character 501")
    assert len(message) < 300


# --- Ignored nodes and document properties -----------------------------------


def test_comment_ignored() -> None:
    expected = "<!-- top --><r><!-- inside --><a>1</a><!-- between --><b/></r><!-- end -->"
    assert differences(expected, "<r><a>1</a><b/></r>") == []


def test_indented_comments_equal_empty_element() -> None:
    expected = "<r><P>\n  <!-- not converted -->\n  <?pi x?>\n</P></r>"
    assert differences(expected, "<r><P/></r>") == []
    assert differences(expected, "<r><P>\n</P></r>") == []


def test_comment_beside_text_keeps_text_significant() -> None:
    expected = "<r><P> <!-- note --> x</P></r>"
    assert differences(expected, "<r><P>  x</P></r>") == []
    assert len(differences(expected, "<r><P>x</P></r>")) == 1


def test_comment_inside_text_ignored() -> None:
    assert differences("<r>ab<!-- note -->cd</r>", "<r>abcd</r>") == []


def test_processing_instruction_ignored() -> None:
    assert differences("<?style x?><r><?pi data?><a/></r>", "<r><a/></r>") == []


def test_xml_declaration_and_encoding_ignored() -> None:
    expected = '<?xml version="1.0" encoding="ISO-8859-1"?><r>caf\u00e9</r>'.encode("latin-1")
    assert differences(expected, "<r>caf\u00e9</r>".encode()) == []


def test_doctype_ignored() -> None:
    assert differences("<!DOCTYPE r><r/>", "<r/>") == []


def test_entity_references_compared_by_name() -> None:
    doctype = '<!DOCTYPE r [<!ENTITY one "1"><!ENTITY two "2">]>'
    expected = f"{doctype}<r>a&one;b</r>"
    assert differences(expected, expected) == []
    found = messages(expected, f"{doctype}<r>a&two;b</r>")
    assert found == [
        "expected entity reference &one;, found entity reference &two;",
    ]


# --- Paths, lines, limits and inputs -----------------------------------------


STIX_DOCUMENT = """<stix:STIX_Package xmlns:stix="urn:stix">
  <stix:TTPs>
    <stix:TTP>first</stix:TTP>
    <stix:TTP>second</stix:TTP>
  </stix:TTPs>
</stix:STIX_Package>"""


def test_path_and_line_of_difference() -> None:
    found = differences(STIX_DOCUMENT, STIX_DOCUMENT.replace("second", "changed"))
    assert len(found) == 1
    assert found[0].path == "/stix:STIX_Package[1]/stix:TTPs[1]/stix:TTP[2]"
    assert found[0].line == 4


def test_path_uses_clark_name_without_prefix() -> None:
    found = differences('<r xmlns="urn:a"><c>1</c></r>', '<r xmlns="urn:a"><c>2</c></r>')
    assert found[0].path == "/{urn:a}r[1]/{urn:a}c[1]"


def test_differences_in_document_order() -> None:
    expected = "<r><a>1</a><b>1</b><c>1</c></r>"
    actual = "<r><a>2</a><b>1</b><c>2</c></r>"
    assert [difference.path for difference in differences(expected, actual)] == [
        "/r[1]/a[1]",
        "/r[1]/c[1]",
    ]


def test_max_differences_limits_result() -> None:
    expected = "<r>" + "<a>1</a>" * 10 + "</r>"
    actual = "<r>" + "<a>2</a>" * 10 + "</r>"
    everything = differences(expected, actual)
    limited = differences(expected, actual, max_differences=3)
    assert len(everything) == 10
    assert limited == everything[:3]


def test_max_differences_below_one_rejected() -> None:
    with pytest.raises(ValueError, match="max_differences must be at least 1"):
        differences("<r/>", "<r/>", max_differences=0)


def test_accepts_elements_and_trees() -> None:
    element = etree.fromstring(b"<r><a>1</a></r>")
    tree = etree.ElementTree(etree.fromstring(b"<r><a>1</a></r>"))
    assert compare_documents(element, tree) == []
    assert compare_documents(tree, b"<r><a>2</a></r>") != []


def test_element_differences_have_no_line() -> None:
    expected = etree.Element("r")
    etree.SubElement(expected, "a").text = "1"
    found = compare_documents(expected, b"<r><a>2</a></r>")
    assert found == [Difference("/r[1]/a[1]", None, "text differs: expected '1', found '2'")]


def test_malformed_document_rejected() -> None:
    with pytest.raises(ValueError, match="The actual document is not well-formed XML"):
        compare_documents(b"<r/>", b"<r>")


def test_text_input_rejected() -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        compare_documents("<r/>", b"<r/>")  # type: ignore[arg-type]


def test_external_entities_not_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    document = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>'.encode()

    # Had the parser read the file, both documents would contain the text "secret".
    assert compare_documents(document, document) == []
    assert compare_documents(document, b"<r>secret</r>") != []


def test_deep_nesting_is_iterative() -> None:
    # Far deeper than Python's default recursion limit of 1000.
    depth = 10_000

    expected = etree.Element("n")
    deepest = expected
    for _ in range(depth):
        deepest = etree.SubElement(deepest, "n")
    deepest.text = "bottom"

    actual = copy.deepcopy(expected)
    assert compare_documents(expected, actual) == []

    actual_deepest = actual
    while len(actual_deepest):
        actual_deepest = actual_deepest[0]
    actual_deepest.text = "changed"

    found = compare_documents(expected, actual)
    assert len(found) == 1
    assert found[0].path.count("/") == depth + 1


# --- Properties --------------------------------------------------------------


NAMESPACES = ["urn:example:one", "urn:example:two", "http://example.com/three", ""]
LOCAL_NAMES = ["a", "b", "Indicator", "Title", "x-y", "_z"]
ATTRIBUTE_NAMES = [
    ("", "id"),
    ("", "version"),
    ("urn:example:one", "flag"),
    ("urn:example:two", "idref"),
]
PREFIXES = ["p", "q", "ns1", "stix", "cybox", "indicator", "x", "xsi2"]

xml_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from(" \t\n"),
    max_size=8,
)


@dataclass
class Node:
    """A generated element: name, attributes, optional xsi:type and content."""

    namespace: str
    local: str
    attributes: dict[tuple[str, str], str]
    xsi_type: tuple[str, str] | None
    text: str = ""
    children: list[Node] = field(default_factory=list)


def leaf_nodes() -> st.SearchStrategy[Node]:
    return st.builds(
        Node,
        namespace=st.sampled_from(NAMESPACES),
        local=st.sampled_from(LOCAL_NAMES),
        attributes=st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), xml_text, max_size=3),
        xsi_type=st.none() | st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(LOCAL_NAMES)),
        text=xml_text,
    )


def parent_nodes(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.builds(
        Node,
        namespace=st.sampled_from(NAMESPACES),
        local=st.sampled_from(LOCAL_NAMES),
        attributes=st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), xml_text, max_size=3),
        xsi_type=st.none() | st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(LOCAL_NAMES)),
        children=st.lists(children, min_size=1, max_size=4),
    )


trees = st.recursive(leaf_nodes(), parent_nodes, max_leaves=12)
prefix_choices = st.permutations(PREFIXES).map(lambda prefixes: prefixes[:4])


def render(tree: Node, prefixes: list[str], indent: bool) -> bytes:
    """Serialise a generated tree, binding NAMESPACES and XSI to the given prefixes.

    Only prefixed declarations are used, so elements in no namespace stay
    unprefixed and need no ``xmlns=""``.
    """
    prefix_of = dict(zip(NAMESPACES[:3], prefixes))
    xsi_prefix = prefixes[3]
    nsmap = {prefix: uri for uri, prefix in prefix_of.items()}
    nsmap[xsi_prefix] = XSI_NAMESPACE

    def clark(namespace: str, local: str) -> str:
        return f"{{{namespace}}}{local}" if namespace else local

    root = etree.Element(clark(tree.namespace, tree.local), nsmap=nsmap)
    stack = [(tree, root)]
    while stack:
        node, element = stack.pop()
        for (namespace, local), value in node.attributes.items():
            element.set(clark(namespace, local), value)
        if node.xsi_type is not None:
            namespace, local = node.xsi_type
            element.set(XSI_TYPE, f"{prefix_of[namespace]}:{local}" if namespace else local)
        if not node.children:
            element.text = node.text
        for child in node.children:
            stack.append((child, etree.SubElement(element, clark(child.namespace, child.local))))

    if indent:
        etree.indent(root)
    return etree.tostring(root)


def all_nodes(tree: Node) -> list[Node]:
    nodes = [tree]
    for node in nodes:
        nodes.extend(node.children)
    return nodes


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, first=prefix_choices, second=prefix_choices, indent=st.booleans())
def test_property_renamed_prefixes_equal(
    tree: Node, first: list[str], second: list[str], indent: bool
) -> None:
    expected = render(tree, first, indent=indent)
    actual = render(tree, second, indent=not indent)
    assert compare_documents(expected, actual) == []


def mutate_text(tree: Node, data: st.DataObject) -> None:
    leaves = [node for node in all_nodes(tree) if not node.children]
    leaf = data.draw(st.sampled_from(leaves))
    leaf.text += "x"


def drop_attribute(tree: Node, data: st.DataObject) -> None:
    owners = [node for node in all_nodes(tree) if node.attributes]
    assume(owners)
    owner = data.draw(st.sampled_from(owners))
    name = data.draw(st.sampled_from(sorted(owner.attributes)))
    del owner.attributes[name]


def swap_children(tree: Node, data: st.DataObject) -> None:
    swaps = [
        (node, first, second)
        for node in all_nodes(tree)
        for first in range(len(node.children))
        for second in range(first + 1, len(node.children))
        if node.children[first] != node.children[second]
    ]
    assume(swaps)
    node, first, second = data.draw(st.sampled_from(swaps))
    node.children[first], node.children[second] = node.children[second], node.children[first]


def change_xsi_type_namespace(tree: Node, data: st.DataObject) -> None:
    typed = [node for node in all_nodes(tree) if node.xsi_type is not None]
    assume(typed)
    node = data.draw(st.sampled_from(typed))
    assert node.xsi_type is not None
    namespace, local = node.xsi_type
    other = data.draw(st.sampled_from([uri for uri in NAMESPACES if uri != namespace]))
    node.xsi_type = (other, local)


@pytest.mark.parametrize(
    "mutate", [mutate_text, drop_attribute, swap_children, change_xsi_type_namespace]
)
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tree=trees, first=prefix_choices, second=prefix_choices, data=st.data())
def test_property_single_mutation_differs(
    mutate: Callable[[Node, st.DataObject], None],
    tree: Node,
    first: list[str],
    second: list[str],
    data: st.DataObject,
) -> None:
    mutated = copy.deepcopy(tree)
    mutate(mutated, data)

    expected = render(tree, first, indent=True)
    actual = render(mutated, second, indent=False)
    assert compare_documents(expected, actual) != []
    assert not documents_equal(expected, actual)


# --- Real documents ----------------------------------------------------------


def corpus_files() -> Sequence[Path | None]:
    if not CORPUS_DIR.is_dir():
        return [None]
    return sorted(CORPUS_DIR.rglob("*.xml"))


def copy_with_renamed_prefixes(root: etree._Element) -> etree._Element:
    """Copy a tree with every namespace bound to a new prefix and comments removed.

    Each namespace URI declared anywhere gets the prefix ``renamed<N>`` on the
    new root, default namespaces included. ``xsi:type`` values are rewritten
    to the new prefixes, and comments and processing instructions are dropped
    with their tails kept.
    """
    uris = sorted({uri for _, (_, uri) in etree.iterwalk(root, events=("start-ns",))})
    new_prefix = {uri: f"renamed{index}" for index, uri in enumerate(uris)}
    new_root = etree.Element(root.tag, nsmap={prefix: uri for uri, prefix in new_prefix.items()})

    stack = [(root, new_root)]
    while stack:
        original, renamed = stack.pop()

        for name, value in original.items():
            if name == XSI_TYPE:
                value = rename_qname(str(value), original, new_prefix)
            renamed.set(name, value)

        renamed.text = original.text
        previous: etree._Element | None = None
        for child in original:
            if isinstance(child, (etree._Comment, etree._ProcessingInstruction)):
                if previous is None:
                    renamed.text = (renamed.text or "") + (child.tail or "")
                else:
                    previous.tail = (previous.tail or "") + (child.tail or "")
                continue

            previous = etree.SubElement(renamed, child.tag)
            previous.tail = child.tail
            stack.append((child, previous))

    return new_root


def rename_qname(value: str, element: etree._Element, new_prefix: dict[str, str]) -> str:
    prefix, colon, local = value.strip().rpartition(":")
    uri = element.nsmap.get(prefix if colon else None)
    if uri is None:
        return value
    return f"{new_prefix[uri]}:{local}"


@pytest.mark.parametrize(
    "path",
    corpus_files(),
    ids=lambda path: str(path.relative_to(CORPUS_DIR)) if path else "no-corpus",
)
def test_corpus_document_equals_renamed_copy(path: Path | None) -> None:
    if path is None:
        pytest.skip(f"corpus folder {CORPUS_DIR} is missing, so real documents are not compared")

    original = path.read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    renamed = etree.tostring(copy_with_renamed_prefixes(etree.fromstring(original, parser)))

    reparsed = etree.fromstring(renamed, parser)
    prefixes = {prefix for _, (prefix, _) in etree.iterwalk(reparsed, events=("start-ns",))}
    assert all(prefix.startswith("renamed") for prefix in prefixes)

    assert compare_documents(original, renamed) == []

    # The copy has the original's elements in the same order, so both have the same last leaf.
    changed_leaf = last_leaf_element(reparsed)
    changed_leaf.text = (changed_leaf.text or "") + "changed"
    found = compare_documents(original, etree.tostring(reparsed))
    assert len(found) == 1
    assert found[0].message.startswith("text differs")
    original_leaf = last_leaf_element(etree.fromstring(original, parser))
    # lxml-stubs 0.5.1 declares sourceline without a type.
    assert found[0].line == original_leaf.sourceline  # type: ignore[comparison-overlap]


def last_leaf_element(root: etree._Element) -> etree._Element:
    leaves = [
        element
        for element in root.iter(etree.Element)
        if next(element.iterchildren(etree.Element), None) is None
    ]
    return leaves[-1]
