"""The intermediate model between the XSD components and the generated code.

The tree is small on purpose:

- `Package`: one generated package (one schema bundle) holding `Module`s.
- `Module`: one Python module per target namespace, holding `ComplexClass`es
  and `Enumeration`s.
- `ComplexClass`: one class per complex type, named or anonymous, with its
  base class (from `xs:extension` or `xs:restriction`) and its `Field`s.
- `Field`: an attribute, the simple content, a child element (single,
  repeated or wrapped in a list element) or an `xs:any` wildcard.
- `SimpleType`: how a simple value converts (a built-in type, an
  enumeration, a list or a union).

Every node records its `Origin` (namespace, XSD name and schema file), so a
warning or a generated docstring can say where it came from.  The build stage
fills the XML side; the naming stage fills every `python_name`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    """The namespace, XSD name and schema file of a model node."""

    namespace: str
    name: str
    schema_file: str

    def describe(self) -> str:
        return f"{self.name} ({{{self.namespace}}}, {self.schema_file})"


@dataclass
class EnumerationMember:
    value: str
    python_name: str = ""


@dataclass
class Enumeration:
    """A simple type restricted by `xs:enumeration` facets.

    `vocabulary_key` is the key of the one class whose simple content is
    restricted to this enumeration (a closed vocabulary such as STIX's
    ``PackageIntentVocab-1.0``), or None. A member stored in a field of an
    ancestor of that class becomes an instance of it, with its `xsi:type`.
    """

    key: str
    xsd_name: str
    origin: Origin
    namespace: str
    members: list[EnumerationMember]
    doc: str = ""
    python_name: str = ""
    module: str = ""
    anonymous: bool = False
    vocabulary_key: str | None = None


@dataclass
class SimpleType:
    """How a simple value converts between its text and a Python value.

    `kind` is ``"builtin"`` (`builtin` is the XSD built-in local name),
    ``"enumeration"``, ``"list"`` (of `item`) or ``"union"`` (read as text).
    `xsd_name` is the name used in messages.
    """

    kind: str
    xsd_name: str
    builtin: str = "string"
    enumeration: Enumeration | None = None
    item: SimpleType | None = None


@dataclass
class Field:
    """One field of a class.

    `kind` is one of ``"attribute"``, ``"text"``, ``"value"`` (a simple-typed
    child element), ``"values"`` (repeated), ``"child"`` (a complex-typed child
    element), ``"children"`` (repeated), ``"wrapped"`` (a child element that only
    holds a repeated element, read as that list) or ``"wildcard"`` (`xs:any`).
    """

    kind: str
    xml_name: str
    origin: Origin
    index: int = 0
    simple: SimpleType | None = None
    class_key: str | None = None
    tags: dict[str, str | None] = field(default_factory=dict)
    min_occurs: int = 0
    max_occurs: int | None = 1
    required: bool = False
    default: str | None = None
    fixed: str | None = None
    container: bool = False
    item_tag: str | None = None
    item_class_key: str | None = None
    namespaces: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()
    doc: str = ""
    python_name: str = ""

    def signature(self) -> tuple[object, ...]:
        """Return what makes two fields the same field, to decide inheritance."""
        simple = None
        if self.simple is not None:
            enumeration = self.simple.enumeration.key if self.simple.enumeration else None
            simple = (self.simple.kind, self.simple.builtin, self.simple.xsd_name, enumeration)
        return (
            self.kind,
            self.xml_name,
            self.index,
            simple,
            self.class_key,
            tuple(sorted((tag, key or "") for tag, key in self.tags.items())),
            self.min_occurs,
            self.max_occurs,
            self.required,
            # A restriction that fixes an attribute's value redeclares the field.
            self.fixed,
            self.container,
            self.item_tag,
            self.item_class_key,
            self.namespaces,
            self.excluded,
        )


@dataclass
class ComplexClass:
    """One complex type.

    `key` identifies the class within the package: the type's qualified name
    for a named type, or a path such as ``{ns}Parent/Element`` for an
    anonymous one.  `content` is ``"empty"``, ``"simple"``, ``"element"`` or
    ``"mixed"``.
    """

    key: str
    qname: str
    origin: Origin
    namespace: str
    anonymous: bool = False
    base_key: str | None = None
    derivation: str | None = None
    abstract: bool = False
    content: str = "element"
    fields: list[Field] = field(default_factory=list)
    any_attribute: Field | None = None
    element_tags: list[str] = field(default_factory=list)
    subclass_keys: list[str] = field(default_factory=list)
    doc: str = ""
    python_name: str = ""
    module: str = ""


@dataclass
class Module:
    """One generated module: the classes and enumerations of one namespace."""

    name: str
    namespace: str
    schema_files: list[str]
    classes: list[ComplexClass] = field(default_factory=list)
    enumerations: list[Enumeration] = field(default_factory=list)


@dataclass
class Package:
    """One generated package: every module of a schema bundle."""

    name: str
    bundle: str
    modules: dict[str, Module]
    classes: dict[str, ComplexClass]
    enumerations: dict[str, Enumeration]
    elements: dict[str, str]
    prefixes: dict[str, str]
    module_order: list[str] = field(default_factory=list)
