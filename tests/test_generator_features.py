"""The generator on small XSDs: each XSD construct maps to classes that build, write and read back.

`tests/xsd/features/` has one schema per namespace with every construct the
generator maps.  `tests/xsd/names/` has names that are Python keywords or
builtins, or that collide once converted.  Each package is generated, written
and imported once per module.  Documents the bindings write are validated
against the same XSDs with xmlschema.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree

from generated.runtime import (
    InvalidTypeError,
    InvalidValueError,
    TypeDerivationError,
    UnexpectedContentError,
    UnknownRootError,
)
from generator.infoset import compare_documents
from tests.xsd_harness import XSD_DIR, GeneratedPackage, generated_package

FEAT = "urn:stixgen-test:features"
OTHER = "urn:stixgen-test:other"
NAMES = "urn:stixgen-test:names"
HEADER = f'xmlns:feat="{FEAT}" xmlns:oth="{OTHER}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedPackage]:
    with generated_package(
        tmp_path_factory.mktemp("features"),
        XSD_DIR / "features",
        modules={FEAT: "features", OTHER: "other"},
        prefixes={FEAT: "feat", OTHER: "oth"},
    ) as package:
        yield package


@pytest.fixture(scope="module")
def names(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedPackage]:
    with generated_package(tmp_path_factory.mktemp("names"), XSD_DIR / "names", modules={NAMES: "names"}) as package:
        yield package


@pytest.fixture(scope="module")
def features_schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(XSD_DIR / "features" / "features.xsd"))


def _drawing(features: GeneratedPackage, body: str) -> str:
    return f'<feat:Drawing {HEADER}>{body}<feat:Layers><feat:Layer name="base"/></feat:Layers></feat:Drawing>'


def _round_trip(package: GeneratedPackage, xml: str) -> Any:
    """Parse `xml`, check that writing it back loses nothing, and return the object."""
    obj = package.package.parse(xml)
    assert compare_documents(xml.encode(), obj.to_bytes()) == []
    return obj


# -- the generation as a whole -------------------------------------------------------------


def test_features_generate_without_warnings(features: GeneratedPackage) -> None:
    generation = features.generation

    assert generation.report.warnings == []
    assert sorted(generation.package.modules) == ["features", "other"]
    assert sorted(generation.files) == ["__init__.py", "_bundle.py", "features.py", "other.py"]


def test_every_module_compiles(features: GeneratedPackage, names: GeneratedPackage) -> None:
    for package in (features, names):
        for relative, text in package.generation.files.items():
            compile(text, relative, "exec")


def test_package_exports_every_class(features: GeneratedPackage) -> None:
    exported = set(features.package.__all__)

    for name in ("Drawing", "Person", "Employee", "EmailOnlyPerson", "Circle", "Triangle", "Tool", "ColourEnum"):
        assert name in exported
        assert getattr(features.package, name).__name__ == name


def test_package_dir_lists_exports(features: GeneratedPackage) -> None:
    listed = dir(features.package)

    assert set(features.package.__all__) <= set(listed)
    assert "parse" in listed
    assert listed == sorted(listed)


# -- complex types: extension and restriction ------------------------------------------------


def test_extension_is_a_subclass(features: GeneratedPackage) -> None:
    module = features.module("features")

    assert issubclass(module.Employee, module.Person)
    assert module.Employee._qname == f"{{{FEAT}}}EmployeeType"
    # The extension's element follows the inherited ones, attributes come first.
    assert module.Employee._field_names[-1] == "employer"
    assert module.Employee._field_names.index("badge") < module.Employee._field_names.index("first_name")


def test_extension_across_namespaces(features: GeneratedPackage) -> None:
    other = features.module("other")
    module = features.module("features")

    assert issubclass(other.Triangle, module.Shape)
    assert other.Triangle(label="t", sides=3).sides == 3


def test_extension_round_trips_through_xsi_type(
    features: GeneratedPackage, features_schema: xmlschema.XMLSchema10
) -> None:
    module = features.module("features")
    drawing = module.Drawing(layers=[module.Layer(name="base")])
    drawing.person = module.Employee(first_name="Ada", last_name="L", email="a@example.org", employer="ACME", badge=7)

    xml = drawing.to_xml()
    features_schema.validate(xml)
    back = features.package.parse(xml)

    assert 'xsi:type="feat:EmployeeType"' in xml
    assert type(back.person) is module.Employee
    assert back.person.employer == "ACME"
    assert back.person.badge == 7


def test_extension_element_order_follows_schema(features: GeneratedPackage) -> None:
    module = features.module("features")
    employee = module.Employee(employer="ACME")
    employee.email = "a@example.org"
    employee.last_name = "L"
    employee.first_name = "Ada"

    tags = [etree.QName(child).localname for child in employee.element]

    assert tags == ["First_Name", "Last_Name", "Email", "Employer"]


def test_restriction_keeps_only_its_content(features: GeneratedPackage) -> None:
    module = features.module("features")
    restricted = module.EmailOnlyPerson

    assert issubclass(restricted, module.Person)
    assert "phone" not in restricted._field_names
    assert "warmth" in restricted._field_names  # attributes are inherited unless prohibited
    assert restricted.email.min_occurs == 1
    assert module.Person.email.min_occurs == 0


def test_restriction_rejects_removed_element(features: GeneratedPackage) -> None:
    xml = _drawing(
        features,
        '<feat:Person xsi:type="feat:EmailOnlyPersonType"><feat:First_Name>A</feat:First_Name>'
        "<feat:Last_Name>L</feat:Last_Name><feat:Phone>1</feat:Phone></feat:Person>",
    )

    with pytest.raises(UnexpectedContentError) as raised:
        features.package.parse(xml)

    assert raised.value.line == 1
    assert "feat:Phone" in str(raised.value)
    assert "feat:Email" in str(raised.value)


def test_simple_content_extension(features: GeneratedPackage) -> None:
    module = features.module("features")
    measure = module.Measure(value=7, unit="cm")

    assert measure.element.text == "7"
    assert dict(measure.element.attrib) == {"unit": "cm"}
    assert measure.value == 7
    assert module.Measure.value.codec.minimum == -(2**31)


def test_simple_content_restriction(features: GeneratedPackage) -> None:
    module = features.module("features")

    assert issubclass(module.NarrowMeasure, module.Measure)
    assert module.NarrowMeasure(value="4").value == 4


def test_plain_value_for_simple_content_field(features: GeneratedPackage) -> None:
    module = features.module("features")
    drawing = module.Drawing()

    drawing.measure = "3"

    assert type(drawing.measure) is module.Measure
    assert drawing.measure.value == 3


# -- simple types ------------------------------------------------------------------------------


def test_simple_type_restriction_keeps_base_codec(features: GeneratedPackage) -> None:
    module = features.module("features")
    measure = module.Measure(value="10")

    assert measure.value == 10
    with pytest.raises(InvalidValueError):
        measure.value = "ten"


def test_enumeration_members(features: GeneratedPackage) -> None:
    colour = features.module("features").ColourEnum

    assert [(member.name, member.value) for member in colour] == [
        ("RED", "red"),
        ("DARK_GREEN", "dark green"),
        ("VALUE_3D", "3d"),
        ("CLASS", "class"),
        ("NONE", "None"),
    ]
    assert colour.__doc__.startswith("Colours a shape may have.")


def test_enumeration_restriction_is_own_enum(features: GeneratedPackage) -> None:
    module = features.module("features")

    assert [member.value for member in module.WarmColourEnum] == ["red"]
    person = module.Person(warmth="red")
    assert person.warmth is module.WarmColourEnum.RED
    with pytest.raises(InvalidValueError):
        person.warmth = "dark green"


def test_enumeration_field_reads_member(features: GeneratedPackage) -> None:
    module = features.module("features")
    person = module.Person(favourite_colour=module.ColourEnum.DARK_GREEN)

    assert person.favourite_colour is module.ColourEnum.DARK_GREEN
    assert person.element.findtext(f"{{{FEAT}}}Favourite_Colour") == "dark green"


def test_enumeration_term_outside_is_kept(features: GeneratedPackage) -> None:
    xml = _drawing(
        features,
        "<feat:Person><feat:First_Name>A</feat:First_Name><feat:Last_Name>L</feat:Last_Name>"
        "<feat:Email>e</feat:Email><feat:Favourite_Colour>purple</feat:Favourite_Colour></feat:Person>",
    )
    drawing = _round_trip(features, xml)

    with pytest.raises(ValueError) as raised:
        drawing.person.favourite_colour

    message = str(raised.value)
    assert "Person.favourite_colour" in message
    assert "'purple'" in message
    assert "'dark green'" in message


def test_enumeration_rejects_wrong_python_type(features: GeneratedPackage) -> None:
    module = features.module("features")
    person = module.Person()

    with pytest.raises(InvalidTypeError):
        person.favourite_colour = 3


def test_list_type_reads_list(features: GeneratedPackage) -> None:
    module = features.module("features")
    person = module.Person(scores=[1, 2, 3])

    assert person.element.findtext(f"{{{FEAT}}}Scores") == "1 2 3"
    assert person.scores == [1, 2, 3]
    person.scores = " 4\n 5 "
    assert person.scores == [4, 5]
    assert person.element.findtext(f"{{{FEAT}}}Scores") == " 4\n 5 "


def test_list_type_rejects_bad_item(features: GeneratedPackage) -> None:
    module = features.module("features")
    person = module.Person()

    with pytest.raises(InvalidValueError):
        person.scores = "1 two 3"


def test_union_of_several_types_reads_text(features: GeneratedPackage) -> None:
    module = features.module("features")

    assert module.Person(size="12").size == "12"
    assert module.Person(size="red").size == "red"
    assert module.Person.size.codec.python_type is str


def test_union_of_one_enumeration_reads_member(features: GeneratedPackage) -> None:
    module = features.module("features")
    person = module.Person(term="red")

    assert person.term is module.ColourEnum.RED
    with pytest.raises(InvalidValueError):
        person.term = "purple"


# -- model groups, attribute groups and choices -------------------------------------------------


def test_attribute_group_is_flattened(features: GeneratedPackage) -> None:
    module = features.module("features")
    person = module.Person(created_by="me", revision=3)

    assert person.element.get("created_by") == "me"
    assert person.revision == 3
    assert {"created_by", "revision"} <= set(module.Employee._field_names)


def test_model_group_is_flattened_in_order(features: GeneratedPackage) -> None:
    fields = features.module("features").Person._field_names

    assert fields.index("first_name") < fields.index("last_name") < fields.index("email")
    assert features.module("features").Person.first_name.min_occurs == 1


def test_choice_members_are_optional(features: GeneratedPackage) -> None:
    person_class = features.module("features").Person

    assert person_class.email.min_occurs == 0
    assert person_class.phone.min_occurs == 0


def test_choice_either_member_round_trips(features: GeneratedPackage) -> None:
    for member in ("Email", "Phone"):
        xml = _drawing(
            features,
            "<feat:Person><feat:First_Name>A</feat:First_Name><feat:Last_Name>L</feat:Last_Name>"
            f"<feat:{member}>x</feat:{member}></feat:Person>",
        )
        drawing = _round_trip(features, xml)
        assert getattr(drawing.person, member.lower()) == "x"


# -- anonymous types -------------------------------------------------------------------------------


def test_anonymous_type_named_after_element(features: GeneratedPackage) -> None:
    module = features.module("features")

    assert module.Person.address.class_for(module.Person, f"{{{FEAT}}}Address") is module.Address
    assert "element {urn:stixgen-test:features}PersonType/Address" in " ".join(module.Address.__doc__.split())


def test_anonymous_container_fills_in_place(features: GeneratedPackage) -> None:
    module = features.module("features")
    person = module.Person(first_name="A", last_name="L", email="e")

    empty = person.address
    assert person.element.find(f"{{{FEAT}}}Address") is None

    empty.street = "Main Street"

    assert person.element.findtext(f"{{{FEAT}}}Address/{{{FEAT}}}Street") == "Main Street"


def test_anonymous_types_with_same_element_name(features: GeneratedPackage) -> None:
    module = features.module("features")
    catalog = module.Catalog()

    catalog.entry = module.CatalogEntry(code="c1")
    catalog.archive.entry = module.Entry(year="1999")

    assert module.CatalogEntry is not module.Entry
    assert catalog.archive.entry.year == "1999"
    assert catalog.entry.code == "c1"


def test_wrapper_list_reads_as_list(features: GeneratedPackage, features_schema: xmlschema.XMLSchema10) -> None:
    module = features.module("features")
    drawing = module.Drawing()

    drawing.layers.append(module.Layer(name="a"))
    drawing.layers.append(module.Layer(name="b"))

    features_schema.validate(drawing.to_xml())
    assert [layer.name for layer in drawing.layers] == ["a", "b"]
    assert len(drawing.element.findall(f"{{{FEAT}}}Layers")) == 1


# -- substitution groups, abstract types and wildcards --------------------------------------------


def test_substitution_group_members(features: GeneratedPackage, features_schema: xmlschema.XMLSchema10) -> None:
    module = features.module("features")
    other = features.module("other")
    drawing = module.Drawing(layers=[module.Layer(name="base")])

    drawing.shapes.append(module.Circle(radius=Decimal("1.5")))
    drawing.shapes.append(other.Triangle(sides=3))

    xml = drawing.to_xml()
    features_schema.validate(xml)
    back = features.package.parse(xml)
    assert [type(shape) for shape in back.shapes] == [module.Circle, other.Triangle]
    assert back.shapes[0].radius == Decimal("1.5")
    assert [etree.QName(shape.element).localname for shape in back.shapes] == ["Circle", "Triangle"]


def test_abstract_type_needs_xsi_type(features: GeneratedPackage) -> None:
    xml = _drawing(features, '<feat:Any_Shape label="x"/>')

    with pytest.raises(TypeDerivationError) as raised:
        features.package.parse(xml)

    assert "abstract" in str(raised.value)
    assert "feat:Any_Shape" in str(raised.value)


def test_abstract_type_with_xsi_type_round_trips(features: GeneratedPackage) -> None:
    xml = _drawing(features, '<feat:Any_Shape xsi:type="oth:TriangleType" label="x" sides="4"/>')

    drawing = _round_trip(features, xml)

    assert drawing.any_shape.sides == 4


def test_wildcard_keeps_foreign_elements(features: GeneratedPackage, features_schema: xmlschema.XMLSchema10) -> None:
    xml = _drawing(
        features,
        '<feat:Extensions xmlns:v="urn:vendor" v:flag="1"><v:Marking level="3">kept <v:b>as is</v:b></v:Marking>'
        "</feat:Extensions>",
    )
    features_schema.validate(xml)

    drawing = _round_trip(features, xml)

    elements = drawing.extensions.any_elements
    assert [etree.QName(element).localname for element in elements] == ["Marking"]
    assert elements[0].get("level") == "3"


def test_wildcard_rejects_own_namespace(features: GeneratedPackage) -> None:
    xml = _drawing(features, "<feat:Extensions><feat:Title>no</feat:Title></feat:Extensions>")

    with pytest.raises(UnexpectedContentError) as raised:
        features.package.parse(xml)

    assert "feat:Title" in str(raised.value)
    assert "xs:any" in str(raised.value)


def test_mixed_content_round_trips(features: GeneratedPackage, features_schema: xmlschema.XMLSchema10) -> None:
    xml = _drawing(features, "<feat:Note>Some <feat:Emphasis>bold</feat:Emphasis> text.</feat:Note>")
    features_schema.validate(xml)

    drawing = _round_trip(features, xml)

    assert drawing.note.emphases == ["bold"]
    assert "".join(drawing.note.element.itertext()) == "Some bold text."


def test_text_in_element_only_content(features: GeneratedPackage) -> None:
    xml = _drawing(features, "<feat:Title>t</feat:Title>stray text")

    with pytest.raises(UnexpectedContentError) as raised:
        features.package.parse(xml)

    assert "stray text" in str(raised.value)


def test_text_in_element_only_lenient(features: GeneratedPackage, caplog: pytest.LogCaptureFixture) -> None:
    xml = _drawing(features, "<feat:Title>t</feat:Title>stray text")

    with caplog.at_level(logging.WARNING, logger="generated"):
        drawing = features.package.parse(xml, strict=False)

    assert compare_documents(xml.encode(), drawing.to_bytes()) == []
    assert any("stray text" in record.getMessage() for record in caplog.records)


# -- names -----------------------------------------------------------------------------------------


def test_colliding_class_names_stay_distinct(names: GeneratedPackage) -> None:
    module = names.module("names")
    classes = [value for value in vars(module).values() if isinstance(value, type) and hasattr(value, "_qname")]
    by_type = {cls._qname.split("}")[-1]: cls.__name__ for cls in classes if cls._qname}

    assert by_type["FooBarType"] == "FooBar"
    assert by_type["FooType"] == "Foo"
    assert by_type["Foo_BarType"] == "FooBarType"
    assert by_type["fooType"] == "FooType"


def test_colliding_classes_keep_their_elements(names: GeneratedPackage) -> None:
    for tag, class_name in [("Foo_Bar", "FooBarType"), ("FooBar", "FooBar"), ("foo", "FooType"), ("Foo", "Foo")]:
        obj = names.package.parse(f'<n:{tag} xmlns:n="{NAMES}"/>')
        assert type(obj).__name__ == class_name


def test_keyword_names_get_underscore(names: GeneratedPackage) -> None:
    module = names.module("names")
    fields = module.Class._field_names

    assert module.Class.__name__ == "Class"
    assert module.Property.__name__ == "Property"
    for name in ("class_", "type_", "from_", "id_", "property_", "element_", "to_xml_", "self_"):
        assert name in fields


def test_names_colliding_in_one_class(names: GeneratedPackage) -> None:
    module = names.module("names")
    fields = module.Class._field_names

    assert "type_attribute" in fields  # the attribute Type, after the attribute type
    assert "property_2" in fields  # the element Property, after the element property
    assert module.Class.type_attribute.qname == "Type"
    assert module.Class.property_2.tag == f"{{{NAMES}}}Property"


def test_keyword_names_round_trip(names: GeneratedPackage) -> None:
    module = names.module("names")
    obj = module.Class(class_="c", type_="t", type_attribute="T", from_="f", self_="s", element_="e", kind="None")
    obj.lambdas.append(module.Property(property_="p", lists=["a", "b"]))

    xml = obj.to_xml()
    back = names.package.parse(xml)

    assert back.class_ == "c"
    assert back.type_attribute == "T"
    assert back.from_ == "f"
    assert back.self_ == "s"
    assert back.kind is module.Type.NONE
    assert back.lambdas[0].lists == ["a", "b"]
    assert dict(etree.fromstring(xml).attrib) == {"class": "c", "type": "t", "Type": "T", "kind": "None"}
    assert [etree.QName(child).localname for child in etree.fromstring(xml)] == ["from", "element", "self", "lambda"]


def test_enumeration_members_from_keywords(names: GeneratedPackage) -> None:
    enumeration = names.module("names").Type

    assert [member.name for member in enumeration] == [
        "CLASS", "NONE", "TRUE", "DARK_GREEN", "DARK_GREEN2", "VALUE_3D", "EMPTY"
    ]
    assert enumeration("DARK-GREEN") is enumeration.DARK_GREEN2


def test_class_named_bundle_not_exported(names: GeneratedPackage) -> None:
    module = names.module("names")

    assert names.package.BUNDLE.name.startswith("test-")
    assert module.BUNDLE(parse="x").parse == "x"
    assert names.package.parse(f'<n:BUNDLE xmlns:n="{NAMES}" parse="p"/>').parse == "p"


def test_import_cycle_between_modules(tmp_path: Path) -> None:
    # Each namespace extends a type of the other one.
    schemas = {
        "a.xsd": """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:a="urn:a" xmlns:b="urn:b"
                       targetNamespace="urn:a">
              <xs:import namespace="urn:b" schemaLocation="b.xsd"/>
              <xs:complexType name="ADerivedType">
                <xs:complexContent><xs:extension base="b:BBaseType">
                  <xs:attribute name="y" type="xs:string"/>
                </xs:extension></xs:complexContent>
              </xs:complexType>
              <xs:complexType name="ABaseType"><xs:attribute name="x" type="xs:string"/></xs:complexType>
              <xs:element name="A" type="a:ADerivedType"/>
            </xs:schema>""",
        "b.xsd": """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:a="urn:a" xmlns:b="urn:b"
                       targetNamespace="urn:b">
              <xs:import namespace="urn:a" schemaLocation="a.xsd"/>
              <xs:complexType name="BBaseType"><xs:attribute name="z" type="xs:string"/></xs:complexType>
              <xs:complexType name="BDerivedType">
                <xs:complexContent><xs:extension base="a:ABaseType">
                  <xs:attribute name="w" type="xs:string"/>
                </xs:extension></xs:complexContent>
              </xs:complexType>
              <xs:element name="B" type="b:BDerivedType"/>
            </xs:schema>""",
    }

    # The bundle imports modules in the order documents need them, so try both.
    for first in ("mod_a", "mod_b"):
        with generated_package(tmp_path / first, schemas, modules={"urn:a": "mod_a", "urn:b": "mod_b"}) as package:
            package.module(first)
            a = package.package.parse('<a:A xmlns:a="urn:a" y="1" z="2"/>')
            b = package.package.parse('<b:B xmlns:b="urn:b" w="1" x="2"/>')

            assert (a.y, a.z) == ("1", "2")
            assert (b.w, b.x) == ("1", "2")
            assert "# Imported here rather than at the top" in package.source("mod_a")


# -- rarer constructs --------------------------------------------------------------------------------

CONSTRUCTS = "urn:stixgen-test:constructs"


@pytest.fixture(scope="module")
def constructs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedPackage]:
    with generated_package(
        tmp_path_factory.mktemp("constructs"),
        XSD_DIR / "constructs",
        modules={CONSTRUCTS: "constructs"},
        locations={CONSTRUCTS: "constructs.xsd"},
    ) as package:
        yield package


def _construct(constructs: GeneratedPackage, body: str, root: str) -> Any:
    return _round_trip(constructs, f'<c:{root} xmlns:c="{CONSTRUCTS}">{body}</c:{root}>')


def test_constructs_report_what_they_degrade(constructs: GeneratedPackage) -> None:
    assert sorted(constructs.generation.report.warnings) == [
        "constructs.xsd: Date: global element of simple type xs:date: read where a complex type refers to it, "
        "but not as the root element of a document",
        "constructs.xsd: RecordType: redefined with xs:redefine; the class has the content of the redefinition",
    ]


def test_redefined_type_has_both_contents(constructs: GeneratedPackage) -> None:
    record = _construct(constructs, "<c:Name>n</c:Name><c:Size>3</c:Size>", "Record")

    assert (record.name, record.size) == ("n", 3)
    assert type(record).__mro__[1].__name__ == "BundleObject"


def test_all_group_in_any_order(constructs: GeneratedPackage) -> None:
    group = _construct(constructs, "<c:Y>y</c:Y><c:X>x</c:X>", "All")

    assert (group.x, group.y) == ("x", "y")
    assert type(group).x.min_occurs == 1
    assert type(group).y.min_occurs == 0


def test_optional_sequence_makes_fields_optional(constructs: GeneratedPackage) -> None:
    cls = constructs.package.BUNDLE.class_for_element(f"{{{CONSTRUCTS}}}Optional")

    assert cls is not None
    assert cls.first.min_occurs == 0
    assert cls.second.min_occurs == 0


def test_repeated_choice_makes_lists(constructs: GeneratedPackage) -> None:
    choices = _construct(
        constructs, "<c:Word>a</c:Word><c:Number>1</c:Number><c:Word>b</c:Word><c:Number>2</c:Number>", "Choices"
    )

    assert list(choices.words) == ["a", "b"]
    assert list(choices.numbers) == [1, 2]


def test_nil_element_reads_none(constructs: GeneratedPackage) -> None:
    values = _construct(
        constructs,
        '<c:Count xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>',
        "Values",
    )

    assert values.count is None


def test_untyped_element_keeps_any_content(constructs: GeneratedPackage) -> None:
    values = _construct(constructs, '<c:Count>1</c:Count><c:Anything a="1">text <x:y xmlns:x="urn:x"/></c:Anything>',
                        "Values")
    untyped = constructs.package.parse(f'<c:Untyped xmlns:c="{CONSTRUCTS}" any="thing">mixed <c:Record/></c:Untyped>')

    assert values.anything.any_elements[0].tag == "{urn:x}y"
    assert [element.tag for element in untyped.any_elements] == [f"{{{CONSTRUCTS}}}Record"]


def test_defaults_are_not_filled_in(constructs: GeneratedPackage) -> None:
    values = _construct(constructs, "<c:Count>1</c:Count>", "Values")

    assert values.level is None
    assert values.fixed is None
    assert "level" not in values.to_xml()


def test_recursive_type(constructs: GeneratedPackage) -> None:
    tree = _construct(constructs, '<c:Node label="a"><c:Node label="b"/></c:Node>', "Tree")

    assert tree.nodes[0].nodes[0].label == "b"
    assert type(tree.nodes[0]) is type(tree)


def test_simple_global_element_as_root(constructs: GeneratedPackage) -> None:
    with pytest.raises(UnknownRootError):
        constructs.package.parse(f'<c:Date xmlns:c="{CONSTRUCTS}">2020-01-01</c:Date>')
