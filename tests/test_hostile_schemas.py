"""Hostile schemas: the generator writes code that compiles, imports and runs no schema text, fetches
nothing, and gives a clear error for what it cannot map.

Remote schema locations point at a local HTTP server on 127.0.0.1 that
records requests.  Documentation carries Python code that would create a
marker file if it ever ran.
"""

from __future__ import annotations

import builtins
import keyword
import time
from pathlib import Path

import pytest
from lxml import etree

from generator import cli
from generator.imports import ImportCycleError
from generator.load import SchemaLoadError
from generator.render import docstring
from tests.local_server import recording_server
from tests.xsd_harness import generate_files, generated_package, write_manifest, write_schemas

XS = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"'


def _schema(namespace: str, body: str, *, prefix: str = "t", extra: str = "") -> str:
    return (
        f'<xs:schema {XS} xmlns:{prefix}="{namespace}" {extra} targetNamespace="{namespace}" '
        f'elementFormDefault="qualified">\n{body}\n</xs:schema>\n'
    )


def _import_all(package_name: str, modules: list[str]) -> None:
    import importlib

    for module in modules:
        importlib.import_module(f"{package_name}.{module}")


# -- documentation and values that look like code -----------------------------------------------------


def _hostile_documentation(marker: Path) -> list[str]:
    code = f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"
    return [
        f'"""\n{code}\n"""',
        f"'''\n{code}\n'''",
        f'ends with a quote"""',
        "back\\slash \\\"\"\" and \\x00 and \\N{{BULLET}} and a final backslash\\",
        "{{ " + code + " }} and {% for x in range(3) %}{{ x }}{% endfor %} and {# note #}",
        f"\n\n    def run():\n        {code}\n    run()\n",
    ]


def test_documentation_and_values_stay_inert(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    texts = _hostile_documentation(marker)
    escape = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

    def doc(text: str) -> str:
        return "<xs:annotation><xs:documentation>" + "".join(escape.get(c, c) for c in text) + "</xs:documentation></xs:annotation>"

    values = "".join(
        f'<xs:enumeration value="{"".join(escape.get(c, c) for c in text).replace(chr(34), "&quot;")}"/>'
        for text in texts
    )
    # XML namespaces must be URIs, so quotes and braces cannot appear in them as such.
    namespace = "urn:stixgen-test:it's:%22%22%22"
    namespace_attribute = namespace
    body = f"""
      <xs:simpleType name="TermEnum">{doc(texts[0])}<xs:restriction base="xs:string">{values}</xs:restriction></xs:simpleType>
      <xs:complexType name="ThingType">{doc(texts[1] + texts[2])}
        <xs:sequence>
          <xs:element name="Term" type="t:TermEnum" minOccurs="0">{doc(texts[3])}</xs:element>
        </xs:sequence>
        <xs:attribute name="note" type="xs:string">{doc(texts[4])}</xs:attribute>
      </xs:complexType>
      <xs:element name="Thing" type="t:ThingType">{doc(texts[5])}</xs:element>
    """
    schema = (
        f'<xs:schema {XS} xmlns:t="{namespace_attribute}" targetNamespace="{namespace_attribute}" '
        f'elementFormDefault="qualified">{body}</xs:schema>'
    )

    with generated_package(tmp_path / "gen", {"thing.xsd": schema}, modules={namespace: "things"}) as package:
        _import_all(package.name, ["things", "_bundle"])
        things = package.module("things")

        # XML turns each newline and tab in an attribute value into a space.
        terms = [text.replace("\n", " ").replace("\t", " ") for text in texts]
        assert not marker.exists()
        assert [member.value for member in things.TermEnum] == terms
        assert things.Thing.__doc__ is not None
        assert " ".join(texts[1].split()) in " ".join(things.Thing.__doc__.split())
        assert things.Thing.note.__doc__ == " ".join(texts[4].split())

        thing = things.Thing(note=texts[4], term=terms[0])
        back = package.package.parse(thing.to_xml())
        assert back.note == texts[4]
        assert back.term is things.TermEnum(terms[0])
        assert etree.QName(back.element).namespace == namespace

    assert not marker.exists()


def test_docstring_of_hostile_text_evaluates_back(tmp_path: Path) -> None:
    for text in _hostile_documentation(tmp_path / "marker.txt"):
        value = eval(docstring(text, indent="    "))  # a literal, so evaluating runs nothing
        assert " ".join(value.split()) == " ".join(text.split())


# -- names ------------------------------------------------------------------------------------------------

NAMES = sorted(set(keyword.kwlist) | {"print", "type", "id", "list", "property", "object", "self", "cls", "element"})


def test_keywords_and_builtins_as_every_kind_of_name(tmp_path: Path) -> None:
    namespace = "urn:stixgen-test:keywords"
    types = "\n".join(
        f'<xs:complexType name="{name}"><xs:sequence>'
        f'<xs:element name="{name}" type="xs:string" minOccurs="0"/>'
        f'<xs:element name="{name}s" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>'
        f'</xs:sequence><xs:attribute name="{name}" type="xs:string"/></xs:complexType>'
        f'<xs:element name="{name}" type="k:{name}"/>'
        for name in NAMES
    )

    with generated_package(tmp_path, {"keywords.xsd": _schema(namespace, types, prefix="k")},
                           modules={namespace: "keywords"}) as package:
        module = package.module("keywords")
        for name in NAMES:
            cls = package.package.BUNDLE.class_for_element(f"{{{namespace}}}{name}")
            assert cls is not None
            assert cls.__module__ == module.__name__
            assert cls.__name__.isidentifier()
            assert not keyword.iskeyword(cls.__name__)
            assert cls.__name__ not in dir(builtins)
            for field in cls._field_names:
                assert field.isidentifier()
                assert not keyword.iskeyword(field)

            fields = cls._field_names
            obj = cls(**{fields[0]: "attribute", fields[1]: "element", fields[2]: ["a", "b"]})
            back = package.package.parse(obj.to_xml())
            assert getattr(back, fields[0]) == "attribute"
            assert getattr(back, fields[1]) == "element"
            assert list(getattr(back, fields[2])) == ["a", "b"]


def test_names_differing_in_case_and_punctuation(tmp_path: Path) -> None:
    namespace = "urn:stixgen-test:spellings"
    spellings = ["Foo-Bar", "Foo.Bar", "Foo_Bar", "FooBar", "fooBar", "FOOBAR", "foo_bar", "Foo_BarType", "FooBarType"]
    types = "\n".join(
        f'<xs:complexType name="{name}"><xs:attribute name="a" type="xs:string"/></xs:complexType>'
        f'<xs:element name="{name}" type="s:{name}"/>'
        for name in spellings
    )
    holder = (
        '<xs:complexType name="HolderType"><xs:sequence>'
        + "".join(f'<xs:element name="{name}" type="xs:string" minOccurs="0"/>' for name in spellings)
        + "</xs:sequence>"
        + "".join(f'<xs:attribute name="{name}" type="xs:string"/>' for name in spellings)
        + '</xs:complexType><xs:element name="Holder" type="s:HolderType"/>'
    )

    with generated_package(tmp_path, {"spellings.xsd": _schema(namespace, types + holder, prefix="s")},
                           modules={namespace: "spellings"}) as package:
        bundle = package.package.BUNDLE
        classes = {name: bundle.class_for_element(f"{{{namespace}}}{name}") for name in spellings}
        assert len({cls.__name__ for cls in classes.values() if cls is not None}) == len(spellings)

        holder_class = bundle.class_for_element(f"{{{namespace}}}Holder")
        assert holder_class is not None
        fields = holder_class._field_names
        assert len(set(fields)) == 2 * len(spellings)
        holder = holder_class(**{field: f"value {index}" for index, field in enumerate(fields)})
        back = package.package.parse(holder.to_xml())
        assert [getattr(back, field) for field in fields] == [f"value {index}" for index in range(len(fields))]


# -- schema files that refer to each other or to the network ------------------------------------------


def test_include_cycle(tmp_path: Path) -> None:
    namespace = "urn:stixgen-test:cycle"
    schemas = {
        "a.xsd": _schema(namespace, '<xs:include schemaLocation="b.xsd"/>'
                         '<xs:complexType name="AType"><xs:sequence><xs:element name="B" type="t:BType"/>'
                         '</xs:sequence></xs:complexType><xs:element name="A" type="t:AType"/>'),
        "b.xsd": _schema(namespace, '<xs:include schemaLocation="a.xsd"/>'
                         '<xs:complexType name="BType"><xs:sequence><xs:element name="A" type="t:AType" '
                         'minOccurs="0"/></xs:sequence></xs:complexType>'),
    }

    with generated_package(tmp_path, schemas, modules={namespace: "cycle"}, locations={namespace: "a.xsd"}) as package:
        document = f'<t:A xmlns:t="{namespace}"><t:B><t:A><t:B/></t:A></t:B></t:A>'
        obj = package.package.parse(document)

        assert type(obj.b.a.b).__name__ == "B"
        assert etree.tostring(obj.element).decode() == document


@pytest.mark.parametrize("kind", ["import", "include"])
def test_remote_schema_location_is_not_fetched(tmp_path: Path, kind: str) -> None:
    namespace = "urn:stixgen-test:remote"
    with recording_server() as server:
        url = server.url(f"/{kind}.xsd")
        reference = (
            f'<xs:import namespace="urn:stixgen-test:elsewhere" schemaLocation="{url}"/>'
            if kind == "import"
            else f'<xs:include schemaLocation="{url}"/>'
        )
        schema = _schema(namespace, reference + '<xs:complexType name="AType"/>')

        with pytest.raises(SchemaLoadError) as raised:
            generate_files(tmp_path, {"a.xsd": schema}, modules={namespace: "remote"})
        requests = list(server.requests)

    assert requests == []
    assert url in str(raised.value)
    assert "a.xsd" in str(raised.value)


def test_remote_location_of_bundled_namespace_is_redirected(tmp_path: Path) -> None:
    namespace, other = "urn:stixgen-test:main", "urn:stixgen-test:other"
    with recording_server() as server:
        schemas = {
            "main.xsd": _schema(
                namespace,
                f'<xs:import namespace="{other}" schemaLocation="{server.url("/other.xsd")}"/>'
                '<xs:complexType name="MainType"><xs:sequence><xs:element name="Part" type="o:PartType"/>'
                '</xs:sequence></xs:complexType><xs:element name="Main" type="t:MainType"/>',
                extra=f'xmlns:o="{other}"',
            ),
            "other.xsd": _schema(other, '<xs:complexType name="PartType"><xs:attribute name="n" type="xs:int"/>'
                                 "</xs:complexType>", prefix="o"),
        }

        generation = generate_files(tmp_path, schemas, modules={namespace: "main", other: "other"})
        requests = list(server.requests)

    assert requests == []
    assert sorted(generation.package.modules) == ["main", "other"]


# -- what the generator cannot map ------------------------------------------------------------------------


def _alternating_cycle() -> dict[str, str]:
    """Two namespaces whose types extend each other's in the order a1 <- b1 <- a2 <- b2."""

    def extension(name: str, base: str) -> str:
        return (
            f'<xs:complexType name="{name}"><xs:complexContent><xs:extension base="{base}">'
            f'<xs:attribute name="{name.lower()}" type="xs:string"/></xs:extension></xs:complexContent>'
            "</xs:complexType>"
        )

    a = _schema("urn:a", '<xs:import namespace="urn:b" schemaLocation="b.xsd"/>'
                '<xs:complexType name="A1"/>' + extension("A2", "b:B1"), prefix="a", extra='xmlns:b="urn:b"')
    b = _schema("urn:b", '<xs:import namespace="urn:a" schemaLocation="a.xsd"/>'
                + extension("B1", "a:A1") + extension("B2", "a:A2"), prefix="b", extra='xmlns:a="urn:a"')
    return {"a.xsd": a, "b.xsd": b}


def test_unresolvable_import_cycle(tmp_path: Path) -> None:
    with pytest.raises(ImportCycleError) as raised:
        generate_files(tmp_path, _alternating_cycle(), modules={"urn:a": "mod_a", "urn:b": "mod_b"})

    message = str(raised.value)
    assert "mod_a" in message
    assert "mod_b" in message
    assert "urn:a" in message
    assert "urn:b" in message


def test_unresolvable_import_cycle_on_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xsd_dir = write_schemas(tmp_path / "xsd", _alternating_cycle())
    manifest = write_manifest(tmp_path, name="cycle", entry=["a.xsd"], modules={"urn:a": "mod_a", "urn:b": "mod_b"})

    status = cli.main(
        ["generate", "--bundle", str(manifest), "--xsd-dir", str(xsd_dir), "--output", str(tmp_path / "out")]
    )

    err = capsys.readouterr().err
    assert status == cli.EXIT_UNUSABLE
    lines = [line for line in err.splitlines() if line.startswith("stixgen: error:")]
    assert len(lines) == 1
    assert "extend each other's classes" in lines[0]
    assert not (tmp_path / "out").exists()


def test_invalid_schema(tmp_path: Path) -> None:
    namespace = "urn:stixgen-test:invalid"
    schema = _schema(namespace, '<xs:complexType name="AType"><xs:sequence>'
                     '<xs:element name="B" type="t:MissingType"/></xs:sequence></xs:complexType>')

    with pytest.raises(SchemaLoadError) as raised:
        generate_files(tmp_path, {"a.xsd": schema}, modules={namespace: "invalid"})

    assert "MissingType" in str(raised.value)


def test_not_a_schema(tmp_path: Path) -> None:
    with pytest.raises(SchemaLoadError) as raised:
        generate_files(tmp_path, {"a.xsd": "<html><body>not a schema</body></html>"}, modules={})

    assert "is not an XML Schema document" in str(raised.value)


def test_schema_with_external_entity(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-SCHEMA-MARKER", encoding="utf-8")
    namespace = "urn:stixgen-test:entity"
    schema = (
        f'<!DOCTYPE xs:schema [<!ENTITY e SYSTEM "{secret.as_uri()}">]>\n'
        + _schema(namespace, '<xs:complexType name="AType"><xs:annotation><xs:documentation>&e;'
                  "</xs:documentation></xs:annotation></xs:complexType>")
    )

    with pytest.raises(SchemaLoadError) as raised:
        generate_files(tmp_path / "gen", {"a.xsd": schema}, modules={namespace: "entity"})

    assert "undefined entity &e;" in str(raised.value)
    assert "SECRET-SCHEMA-MARKER" not in str(raised.value)


def test_schema_with_entity_bomb(tmp_path: Path) -> None:
    entities = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{level} "{f"&l{level - 1};" * 10}">' for level in range(1, 10)]
    namespace = "urn:stixgen-test:bomb"
    schema = (
        "<!DOCTYPE xs:schema [" + "".join(entities) + "]>\n"
        + _schema(namespace, '<xs:complexType name="AType"><xs:annotation><xs:documentation>&l9;'
                  "</xs:documentation></xs:annotation></xs:complexType>")
    )

    started = time.perf_counter()
    with pytest.raises(SchemaLoadError) as raised:
        generate_files(tmp_path, {"a.xsd": schema}, modules={namespace: "bomb"})

    assert time.perf_counter() - started < 10
    assert "cannot parse schema file" in str(raised.value)
