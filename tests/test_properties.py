"""Property-based tests: random object trees validate and read back, and random input never crashes.

`test_random_trees_validate_and_read_back` builds STIX packages from a few
classes (KillChain, KillChainPhase, STIXHeader, Indicator, TTP and what they
hold), drawing each value from the Python type of its field's codec.  Each
package must validate against the STIX 1.2 XSDs (loaded once per session
with `generator.load.load_bundle`) and read back with the same typed values
and the same XML.

The fuzz tests (marked slow) feed `generated.stix_1_2.parse` random bytes,
corpus documents with their bytes changed, and corpus documents with their
structure changed, then read every field of what parses.  Anything raised
that is not a `BindingError` fails the test.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from generated import stix_1_2
from generated.runtime import BindingError, ComplexObject
from generated.runtime import codecs as c
from generated.runtime import fields as f
from generator import bundles
from generator.infoset import compare_documents
from generator.load import LoadedBundle, load_bundle
from tests.conftest import corpus_file

# -- values from codecs ----------------------------------------------------------------------------------

# Characters XML 1.0 allows, with the ones that need escaping made likely.
XML_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("<>&\"' \t\n"),
    max_size=12,
)
NCNAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,15}", fullmatch=True)
URI = st.builds("http://example.com/{}".format, st.from_regex(r"[a-z0-9]{0,8}", fullmatch=True))
# Python datetimes of years 1 to 9999 all have XSD lexical forms.
TIMEZONES = st.none() | st.just(dt.timezone.utc) | st.builds(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)), st.integers(-14 * 60, 14 * 60)
)
NO_BOUND = 10**12


def value_strategy(codec: c.Codec[Any]) -> st.SearchStrategy[Any]:
    """Return a strategy for values of the Python type that `codec` reads and writes."""
    if isinstance(codec, c.EnumerationCodec):
        return st.sampled_from(list(codec.enumeration))
    if isinstance(codec, c.ListCodec):
        return st.lists(value_strategy(codec.item), max_size=3)
    if isinstance(codec, c.IntegerCodec):
        low = codec.minimum if codec.minimum is not None else -NO_BOUND
        high = codec.maximum if codec.maximum is not None else NO_BOUND
        return st.integers(low, high)
    if isinstance(codec, c.DecimalCodec):
        return st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**6, max_value=10**6)
    if isinstance(codec, c.FloatCodec):
        return st.floats(allow_nan=False, width=32)
    if isinstance(codec, c.BooleanCodec):
        return st.booleans()
    if isinstance(codec, c.DateTimeCodec):
        return st.datetimes(timezones=TIMEZONES)
    if isinstance(codec, c.DateCodec):
        return st.dates()
    if isinstance(codec, c.TimeCodec):
        return st.times(timezones=TIMEZONES)
    if isinstance(codec, (c.Base64Codec, c.HexCodec)):
        return st.binary(max_size=12)
    # String types: a few need a lexical form of their own.
    if codec.xsd_name == "xs:QName":
        return NCNAME.map("stix:{}".format)
    if codec.xsd_name == "xs:anyURI":
        return URI
    if codec.xsd_name in ("xs:ID", "xs:IDREF", "xs:NCName"):
        return NCNAME
    return XML_TEXT


# -- object trees ----------------------------------------------------------------------------------------

# The child fields to fill, per class.  Other child fields stay empty, while
# every attribute and simple field of a class is drawn.
CHILD_FIELDS: dict[type[ComplexObject], tuple[str, ...]] = {
    stix_1_2.STIXPackage: ("stix_header", "indicators", "ttps"),
    stix_1_2.STIXHeader: ("package_intents", "descriptions", "short_descriptions"),
    stix_1_2.TTPs: ("ttps", "kill_chains"),
    stix_1_2.KillChain: ("kill_chain_phases",),
    stix_1_2.TTP: ("descriptions", "kill_chain_phases"),
    stix_1_2.Indicator: ("types", "descriptions", "kill_chain_phases"),
}
# Fields whose values the schema restricts beyond their codec (an idref excludes content).
SKIPPED_FIELDS = frozenset({"idref"})
# Which class to build for each declared class whose subclass the package uses.
CONCRETE = {stix_1_2.TTPBase: stix_1_2.TTP, stix_1_2.IndicatorBase: stix_1_2.Indicator}


def _declared_class(owner: type[ComplexObject], field: f.Field) -> type[ComplexObject]:
    if isinstance(field, f.WrappedChildren):
        declared = field.item.class_for(owner, field.item.tag)
    else:
        assert isinstance(field, f.ElementField)
        declared = field.class_for(owner, field.tag)
    assert declared is not None
    return CONCRETE.get(declared, declared)


@st.composite
def objects(draw: st.DrawFn, cls: type[ComplexObject], depth: int = 0) -> ComplexObject:
    """Draw an object of `cls` with random values in its simple fields and the children `CHILD_FIELDS` names."""
    obj = cls()
    for name in cls._field_names:
        field = getattr(cls, name)
        if name in SKIPPED_FIELDS or isinstance(field, f.Wildcard):
            continue

        if isinstance(field, (f.AttributeField, f.Text, f.Value)):
            required = getattr(field, "required", False) or getattr(field, "min_occurs", 0) > 0
            values = value_strategy(field.codec)
            if required or draw(st.booleans()):
                setattr(obj, name, draw(values))
        elif isinstance(field, f.Values):
            setattr(obj, name, draw(st.lists(value_strategy(field.codec), max_size=3)))
        elif name in CHILD_FIELDS.get(cls, ()) and depth < 4:
            child = _declared_class(cls, field)
            if isinstance(field, f.Child):
                if draw(st.booleans()):
                    setattr(obj, name, draw(objects(child, depth + 1)))
            else:
                minimum = field.min_occurs if isinstance(field, f.Children) else 0
                setattr(obj, name, draw(st.lists(objects(child, depth + 1), min_size=max(minimum, 0), max_size=2)))
    return obj


def snapshot(obj: ComplexObject) -> dict[str, Any]:
    """Return every field of `obj` as plain values, recursing into child objects."""
    values: dict[str, Any] = {"__class__": type(obj).__name__}
    for name in type(obj)._field_names:
        value = getattr(obj, name)
        if isinstance(value, ComplexObject):
            value = snapshot(value)
        elif isinstance(value, (f.ObjectList, f.ValueList)):
            value = [snapshot(item) if isinstance(item, ComplexObject) else item for item in value]
        elif isinstance(value, list):
            value = [etree.tostring(item) if isinstance(item, etree._Element) else item for item in value]
        values[name] = value
    return values


def _distribution_installed() -> bool:
    try:
        importlib.metadata.version("stix-validator")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


class Schema:
    """The loaded STIX 1.2 schema, with a short repr for Hypothesis's failure reports."""

    def __init__(self, loaded: LoadedBundle) -> None:
        self.xsd = loaded.schema

    def __repr__(self) -> str:
        return "Schema(stix-1.2)"


@pytest.fixture(scope="session")
def stix_1_2_schema(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    if not _distribution_installed():
        pytest.skip("stix-validator is not installed; run `pip install stix-validator==3.0.0` to run this test")
    manifest = bundles.load_manifest("stix-1.2")
    return Schema(load_bundle(manifest, bundles.fetch(manifest, tmp_path_factory.mktemp("stix-1.2") / "xsd")))


def test_value_strategies_cover_every_codec_class() -> None:
    covered = {
        c.StringCodec, c.IntegerCodec, c.DecimalCodec, c.FloatCodec, c.BooleanCodec, c.DateTimeCodec,
        c.DateCodec, c.TimeCodec, c.Base64Codec, c.HexCodec, c.EnumerationCodec, c.ListCodec,
    }
    defined = {value for value in vars(c).values() if isinstance(value, type) and issubclass(value, c.Codec)}

    assert defined - {c.Codec} == covered


def test_schema_reports_invalid_tree(stix_1_2_schema: Schema) -> None:
    package = stix_1_2.STIXPackage()
    chain = stix_1_2.KillChain(id_="stix:kc-1")
    chain.kill_chain_phases = [stix_1_2.KillChainPhase(name="Recon")]
    chain.kill_chain_phases[0].element.set("ordinality", "third")
    package.ttps.kill_chains.append(chain)

    errors = list(stix_1_2_schema.xsd.iter_errors(package.to_xml()))

    assert len(errors) == 1
    assert "third" in str(errors[0])


@given(st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_trees_validate_and_read_back(stix_1_2_schema: Schema, data: st.DataObject) -> None:
    package = data.draw(objects(stix_1_2.STIXPackage))
    document = package.to_bytes()

    errors = [str(error.reason or error) for error in stix_1_2_schema.xsd.iter_errors(document.decode())]
    assert errors == [], document.decode()

    back = stix_1_2.parse(document)
    assert snapshot(back) == snapshot(package)
    assert compare_documents(document, back.to_bytes()) == []


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_values_read_back_as_set(data: st.DataObject) -> None:
    phase = data.draw(objects(stix_1_2.KillChainPhase))

    back = stix_1_2.KillChainPhase._wrap(etree.fromstring(etree.tostring(phase.element)))

    assert snapshot(back) == snapshot(phase)


# -- fuzzing ---------------------------------------------------------------------------------------------

FUZZ_DOCUMENTS = [
    "idioms/documentation_idioms_kill-chain_kill-chain.xml",
    "idioms/getting-started_analyst-exercise_sighting.xml",
    "validator-examples/cybox_schema_invalid.xml",
    "schemas-samples-1.2/STIX_Indicator_Snort.xml",
    "schemas-samples-1.2/MAEC_CybOX_STIX_Flow_Example_flow_example(2of3)-cybox_observable_pattern.xml",
]
FUZZ_EXAMPLES = 1500
SNIPPETS = [
    b"<", b">", b"&", b"&amp;", b"&#0;", b"&#xD800;", b"]]>", b"<![CDATA[", b"<!--", b"-->", b"<?pi x?>",
    b'<!DOCTYPE x [<!ENTITY e "e">]>', b"&e;", b'xsi:type="x:y"', b'xsi:type="stixCommon:KillChainType"',
    b'xmlns:x="urn:x"', b"\x00", b"\xff\xfe", b"\xc3\x28", b"\r\n", b"<a>" * 300, b'ordinality="x"',
]


def read_everything(obj: ComplexObject, depth: int = 0) -> None:
    """Read every field of `obj` and of its children, as a caller exploring the tree would."""
    repr(obj)
    obj.xsi_type
    obj.unknown_type
    for name in type(obj)._field_names:
        try:
            value = getattr(obj, name)
        except BindingError:
            continue
        items: list[Any]
        if isinstance(value, (f.ObjectList, f.ValueList)):
            try:
                items = list(value)
            except BindingError:
                continue
        else:
            items = [value]
        for item in items:
            if isinstance(item, ComplexObject) and depth < 300:
                read_everything(item, depth + 1)


def parse_and_read(data: bytes) -> None:
    """Parse `data` as bytes, strictly and leniently, and as text, and read every field of
    what parses; only `BindingError` may escape."""
    sources: list[tuple[Any, bool]] = [(data, True), (data, False), (data.decode("utf-8", "replace"), True)]
    for source, strict in sources:
        try:
            obj = stix_1_2.parse(source, strict=strict)
        except BindingError:
            continue
        read_everything(obj)
        obj.to_bytes()


@functools.cache
def _corpus_bytes() -> list[bytes]:
    return [corpus_file(relative).read_bytes() for relative in FUZZ_DOCUMENTS]


@st.composite
def mutated_bytes(draw: st.DrawFn, documents: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "snippet"]))
        if action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        elif action == "truncate":
            del data[position:]
        else:
            data[position:position] = draw(st.sampled_from(SNIPPETS))
    return bytes(data)


@st.composite
def mutated_trees(draw: st.DrawFn, documents: list[bytes]) -> bytes:
    """Change the structure of a well-formed document: move, rename, retype and rewrite elements."""
    root = etree.fromstring(draw(st.sampled_from(documents)))
    elements = list(root.iter(etree.Element))
    tags = sorted({element.tag for element in elements} | set(list(stix_1_2.BUNDLE.elements)[:200]))
    types = list(stix_1_2.BUNDLE.types)
    for _ in range(draw(st.integers(1, 5))):
        element = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["rename", "retype", "attribute", "text", "move", "remove", "wrap"]))
        if action == "rename":
            element.tag = draw(st.sampled_from(tags))
        elif action == "retype":
            qname = draw(st.sampled_from(types))
            namespace, local = qname[1:].split("}", 1)
            element.set("{http://www.w3.org/2001/XMLSchema-instance}type", f"fz:{local}")
            # A new prefix can only be declared by wrapping the element's content in a new element.
            replacement = etree.Element(element.tag, nsmap={**element.nsmap, "fz": namespace})
            replacement.attrib.update(element.attrib)
            replacement.text = element.text
            replacement.extend(list(element))
            parent = element.getparent()
            if parent is not None:
                replacement.tail = element.tail
                parent.replace(element, replacement)
                elements = list(root.iter(etree.Element))
        elif action == "attribute":
            name = draw(st.sampled_from(["id", "idref", "ordinality", "timestamp", "version", "negate", "x"]))
            element.set(name, draw(XML_TEXT))
        elif action == "text":
            element.text = draw(XML_TEXT)
        elif action in ("move", "remove"):
            parent = element.getparent()
            if parent is not None:
                outside = [other for other in elements if element not in (other, *other.iterancestors())]
                parent.remove(element)
                if action == "move":
                    draw(st.sampled_from(outside)).append(element)
                elements = list(root.iter(etree.Element))
        else:
            wrapper = etree.SubElement(element, draw(st.sampled_from(tags)))
            wrapper.text = draw(XML_TEXT)
    return etree.tostring(root)


@pytest.mark.slow
@given(st.binary(max_size=600))
@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
def test_fuzz_random_bytes(data: bytes) -> None:
    parse_and_read(data)


@pytest.mark.slow
@given(st.data())
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_mutated_documents(data: st.DataObject) -> None:
    parse_and_read(data.draw(mutated_bytes(_corpus_bytes())))


@pytest.mark.slow
@given(st.data())
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_mutated_structure(data: st.DataObject) -> None:
    parse_and_read(data.draw(mutated_trees(_corpus_bytes())))


# -- codecs on any text --------------------------------------------------------------------------------

CODECS = [
    c.builtin(name)
    for name in ("integer", "int", "unsignedByte", "decimal", "float", "double", "boolean", "dateTime", "date",
                 "time", "base64Binary", "hexBinary", "string")
]
# Text shaped like the lexical forms, so that examples get past the patterns into the conversions.
LEXICAL_LIKE = st.from_regex(
    r"-?[0-9]{1,6}(-[0-9]{1,3}(-[0-9]{1,3})?)?(T?[0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}(\.[0-9]{0,8})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?",
    fullmatch=True,
)


@pytest.mark.parametrize("codec", CODECS, ids=[codec.xsd_name for codec in CODECS])
@given(text=st.text(max_size=30) | LEXICAL_LIKE)
@settings(max_examples=100, deadline=None)
def test_codecs_accept_or_reject_any_text(codec: c.Codec[Any], text: str) -> None:
    try:
        value = codec.parse(text)
    except BindingError as error:
        assert isinstance(error, ValueError)
        assert len(str(error)) < 400
    else:
        assert isinstance(value, codec.python_type)


def test_integer_too_long_to_convert() -> None:
    # Found by fuzzing the codecs: Python refuses to convert integers of more than 4300 digits.
    with pytest.raises(BindingError) as raised:
        c.INTEGER.parse("9" * 5000)

    assert "at most" in str(raised.value)
    with pytest.raises(BindingError):
        c.INTEGER.lexical(10**5000)


@pytest.mark.parametrize("text", ["25:00:00", "23:59:60", "10:00:00+99:00"])
def test_time_out_of_range(text: str) -> None:
    # Found by fuzzing the codecs: these passed the pattern and failed in datetime.time.
    with pytest.raises(BindingError) as raised:
        c.TIME.parse(text)

    assert text in str(raised.value)
