"""Map the components of a loaded `xmlschema` bundle to the intermediate model.

How each XSD construct is mapped:

- Named and anonymous complex types become classes; `xs:extension` and
  `xs:restriction` become the Python base class.
- Attribute groups and model groups (`xs:attributeGroup`, `xs:group`) are
  flattened into the fields of every type that uses them, as xmlschema does.
- `xs:sequence`, `xs:choice` and `xs:all` are flattened into element fields in
  document order; a field inside a repeated group or a choice is optional, and
  one inside a repeated group is a list.
- A substitution group head accepts the elements of its members.
- `xs:any` becomes a wildcard field holding lxml elements; `xs:anyAttribute`
  lets the structure check accept matching attributes.
- Mixed content keeps its text in the lxml tree.
- Simple types map to codecs: built-in types, enumerations (Python `Enum`s),
  `xs:list` and `xs:union` (read as text).
- Identity constraints (`xs:key`, `xs:unique`, `xs:keyref`) and facets other
  than enumerations (patterns, lengths, ranges) are left to schema validation.

Everything else is reported through `Report.warn`, naming the schema file and
the component.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from xmlschema.validators import (
    XsdAnyElement,
    XsdAtomicBuiltin,
    XsdComplexType,
    XsdElement,
    XsdGroup,
)

from .model import (
    ComplexClass,
    Enumeration,
    EnumerationMember,
    Field,
    Origin,
    Package,
    SimpleType,
)

log = logging.getLogger("generator.build")

XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
ANY_TYPE = f"{{{XSD_NAMESPACE}}}anyType"
_SKIPPED_NAMESPACES = frozenset({XSD_NAMESPACE, XML_NAMESPACE})


@dataclass
class Report:
    """Warnings collected while building, each naming a schema file and a component."""

    warnings: list[str] = field(default_factory=list)

    def warn(self, origin: Origin, message: str) -> None:
        text = f"{origin.schema_file}: {origin.name}: {message}"
        self.warnings.append(text)
        log.warning("%s", text)


def split_qname(qname: str) -> tuple[str, str]:
    """Split ``{namespace}local`` into its namespace ("" for none) and local name."""
    if qname.startswith("{"):
        namespace, local = qname[1:].split("}", 1)
        return namespace, local
    return "", qname


def documentation(component: Any) -> str:
    """Return the text of a component's `xs:documentation`, paragraphs separated by blank lines."""
    annotation = getattr(component, "annotation", None)
    if annotation is None:
        return ""
    texts = []
    for item in getattr(annotation, "documentation", []):
        text = "".join(item.itertext()) if hasattr(item, "itertext") else str(item.text or "")
        text = text.strip()
        if text:
            texts.append(text)
    return "\n\n".join(texts)


class _Builder:
    def __init__(
        self,
        schema: Any,
        *,
        package: str,
        bundle: str,
        modules: dict[str, str],
        prefixes: dict[str, str],
        schema_file: Any,
        report: Report,
    ) -> None:
        self.maps = schema.maps
        self.package = package
        self.bundle = bundle
        self.namespace_modules = modules
        self.prefixes = prefixes
        self.schema_file = schema_file
        self.report = report
        self.classes: dict[str, ComplexClass] = {}
        self.enumerations: dict[str, Enumeration] = {}
        self.anonymous_keys: dict[int, str] = {}
        self.pending: list[tuple[ComplexClass, Any]] = []

    def origin(self, component: Any, name: str | None = None) -> Origin:
        qname = name or component.name or ""
        namespace, local = split_qname(qname)
        schema = getattr(component, "schema", None)
        url = getattr(schema, "url", None) or ""
        return Origin(namespace or component.target_namespace or "", local, self.schema_file(url))

    def build(self) -> Package:
        for qname, xsd_type in sorted(self.maps.types.items()):
            namespace, _ = split_qname(qname)
            if namespace in _SKIPPED_NAMESPACES or not isinstance(xsd_type, XsdComplexType):
                continue
            self.declare_class(qname, xsd_type, anonymous=False)

        self.declare_any_type()
        elements = self.declare_global_elements()

        while self.pending:
            cls, xsd_type = self.pending.pop(0)
            self.build_fields(cls, xsd_type)

        self.link_subclasses()
        self.link_vocabularies()
        return Package(
            name=self.package,
            bundle=self.bundle,
            modules={},
            classes=self.classes,
            enumerations=self.enumerations,
            elements=elements,
            prefixes=self.prefixes,
        )

    def declare_class(self, key: str, xsd_type: Any, *, anonymous: bool, namespace: str = "") -> ComplexClass:
        origin = self.origin(xsd_type, None if anonymous else key)
        cls = ComplexClass(
            key=key,
            qname="" if anonymous else key,
            origin=origin,
            namespace=namespace or origin.namespace,
            anonymous=anonymous,
            abstract=bool(getattr(xsd_type, "abstract", False)),
            doc=documentation(xsd_type),
        )
        base = xsd_type.base_type
        if not anonymous and base is not None and base.name == key:
            # `xs:redefine` gives a type a base of its own name: the definition it
            # replaces.  One class stands for both, so it takes the original's base.
            self.report.warn(origin, "redefined with xs:redefine; the class has the content of the redefinition")
            while base is not None and base.name == key:
                base = base.base_type
        if base is not None and base.name and base.name != ANY_TYPE and base.is_complex():
            cls.base_key = base.name
            cls.derivation = xsd_type.derivation
        self.classes[key] = cls
        self.pending.append((cls, xsd_type))
        return cls

    def declare_any_type(self) -> None:
        """Add the class of elements declared with no type (`xs:anyType`)."""
        cls = ComplexClass(
            key=ANY_TYPE,
            qname=ANY_TYPE,
            origin=Origin(XSD_NAMESPACE, "anyType", "XMLSchema.xsd"),
            namespace=XSD_NAMESPACE,
            content="mixed",
            doc="Any content: every child element is kept as an lxml element.",
        )
        cls.fields.append(
            Field(kind="wildcard", xml_name="##any", origin=cls.origin, index=0, max_occurs=None)
        )
        cls.any_attribute = Field(kind="wildcard", xml_name="##any", origin=cls.origin)
        self.classes[ANY_TYPE] = cls

    def declare_global_elements(self) -> dict[str, str]:
        elements: dict[str, str] = {}
        for qname, element in sorted(self.maps.elements.items()):
            namespace, local = split_qname(qname)
            if namespace in _SKIPPED_NAMESPACES:
                continue

            xsd_type = element.type
            if xsd_type.is_simple():
                self.report.warn(
                    self.origin(element, qname),
                    f"global element of simple type {_xsd_name(xsd_type)}: read where a complex type "
                    "refers to it, but not as the root element of a document",
                )
                continue
            key = self.class_key(xsd_type, context=f"{{{namespace}}}", element_name=local, namespace=namespace)
            self.classes[key].element_tags.append(qname)
            elements[qname] = key
        return elements

    def class_key(self, xsd_type: Any, *, context: str, element_name: str, namespace: str) -> str:
        """Return the key of the class of `xsd_type`, declaring anonymous types on first sight."""
        if xsd_type.name:
            if xsd_type.name == ANY_TYPE:
                return ANY_TYPE
            return str(xsd_type.name)

        key = self.anonymous_keys.get(id(xsd_type))
        if key is None:
            key = f"{context}/{element_name}" if not context.endswith("}") else f"{context}{element_name}"
            self.anonymous_keys[id(xsd_type)] = key
            self.declare_class(key, xsd_type, anonymous=True, namespace=namespace)
        return key

    def build_fields(self, cls: ComplexClass, xsd_type: Any) -> None:
        for name, attribute in xsd_type.attributes.items():
            if name is None:
                cls.any_attribute = self.wildcard(cls, attribute, 0)
                continue
            cls.fields.append(self.attribute(cls, name, attribute))

        if xsd_type.has_simple_content():
            cls.content = "simple"
            simple = self.simple_type(xsd_type.content, context=cls.key + "@value")
            cls.fields.append(Field(kind="text", xml_name="", origin=cls.origin, simple=simple))
            return

        if xsd_type.is_empty() and not xsd_type.mixed:
            cls.content = "empty"
            return

        cls.content = "mixed" if xsd_type.mixed else "element"
        element_fields: dict[str, Field] = {}
        content = xsd_type.content
        particles = _flatten(content, content.min_occurs, content.max_occurs)
        for index, (particle, min_occurs, max_occurs) in enumerate(particles):
            if isinstance(particle, XsdAnyElement):
                wildcard = self.wildcard(cls, particle, index)
                wildcard.min_occurs, wildcard.max_occurs = min_occurs, max_occurs
                cls.fields.append(wildcard)
                continue

            tag = str(particle.name)
            existing = element_fields.get(tag)
            if existing is not None:
                # The same element appears twice in one content model, so it becomes one list field.
                existing.max_occurs = None
                existing.kind = _REPEATED_KINDS.get(existing.kind, existing.kind)
                continue

            element_field = self.element(cls, particle, index, min_occurs, max_occurs)
            element_fields[tag] = element_field
            cls.fields.append(element_field)

    def attribute(self, cls: ComplexClass, name: str, attribute: Any) -> Field:
        simple = self.simple_type(attribute.type, context=f"{cls.key}@{name}")
        return Field(
            kind="attribute",
            xml_name=str(attribute.name or name),
            origin=self.origin(attribute, str(attribute.name or name)),
            simple=simple,
            required=attribute.use == "required",
            default=attribute.default,
            fixed=attribute.fixed,
            doc=documentation(attribute),
        )

    def wildcard(self, cls: ComplexClass, wildcard: Any, index: int) -> Field:
        namespaces: frozenset[str] | None = frozenset()
        excluded: set[str] = set(wildcard.not_namespace or ())
        target = wildcard.target_namespace or ""
        allowed = set()
        for item in wildcard.namespace:
            if item == "##any":
                namespaces = None
            elif item == "##other":
                namespaces = None
                excluded.update({target, ""})
            elif item == "##local":
                allowed.add("")
            elif item == "##targetNamespace":
                allowed.add(target)
            else:
                allowed.add(item)
        if namespaces is not None:
            namespaces = frozenset(allowed)
        return Field(
            kind="wildcard",
            xml_name="##any",
            origin=cls.origin,
            index=index,
            namespaces=namespaces,
            excluded=frozenset(excluded),
            max_occurs=None,
        )

    def element(
        self, cls: ComplexClass, particle: Any, index: int, min_occurs: int, max_occurs: int | None
    ) -> Field:
        tag = str(particle.name)
        namespace, local = split_qname(tag)
        repeated = max_occurs is None or max_occurs > 1
        xsd_type = particle.type
        origin = self.origin(particle, tag)
        doc = documentation(particle) or documentation(getattr(particle, "ref", None))

        if xsd_type.is_simple():
            simple = self.simple_type(xsd_type, context=f"{cls.key}/{local}")
            return Field(
                kind="values" if repeated else "value",
                xml_name=tag,
                origin=origin,
                index=index,
                simple=simple,
                tags={tag: None},
                min_occurs=min_occurs,
                max_occurs=max_occurs,
                doc=doc,
            )

        # An anonymous type is keyed by the complex type that declares its element,
        # which for an inherited element is the base type, not `cls`.
        owner = _declaring_type(particle)
        context, owner_namespace = cls.key, cls.namespace
        if owner is not None and owner.name:
            context = str(owner.name)
            owner_namespace = split_qname(context)[0]
        key = self.class_key(xsd_type, context=context, element_name=local, namespace=owner_namespace)
        declared = self.classes[key]
        if declared.anonymous and tag not in declared.element_tags:
            # The one element that an anonymous type belongs to names new objects of its class.
            declared.element_tags.append(tag)
        tags: dict[str, str | None] = {tag: key}
        for member in self.substitution_members(tag):
            member_type = member.type
            if member_type.is_simple():
                self.report.warn(
                    origin, f"substitution group member {member.name} has a simple type; not accepted here"
                )
                continue
            member_namespace, member_local = split_qname(str(member.name))
            tags[str(member.name)] = self.class_key(
                member_type, context=f"{{{member_namespace}}}", element_name=member_local, namespace=member_namespace
            )

        return Field(
            kind="children" if repeated else "child",
            xml_name=tag,
            origin=origin,
            index=index,
            class_key=key,
            tags=tags,
            min_occurs=min_occurs,
            max_occurs=max_occurs,
            doc=doc,
        )

    def substitution_members(self, head: str) -> Iterator[Any]:
        seen = set()
        queue = [head]
        while queue:
            name = queue.pop(0)
            for member in sorted(self.maps.substitution_groups.get(name, ()), key=lambda e: str(e.name)):
                if member.name in seen:
                    continue
                seen.add(member.name)
                yield member
                queue.append(member.name)

    def simple_type(self, xsd_type: Any, *, context: str) -> SimpleType:
        xsd_name = _xsd_name(xsd_type)

        enumeration = self.enumeration(xsd_type, context)
        if enumeration is not None:
            return SimpleType(kind="enumeration", xsd_name=xsd_name, enumeration=enumeration)

        if xsd_type.is_list():
            item = self.simple_type(_list_item_type(xsd_type), context=context + "/item")
            return SimpleType(kind="list", xsd_name=xsd_name, item=item)

        if xsd_type.is_union():
            members = _union_members(xsd_type)
            if len(members) == 1:
                # A union of one member type, which is how the STIX vocabularies
                # restrict a term to their enumeration, reads as that member.
                return self.simple_type(members[0], context=context)
            return SimpleType(kind="union", xsd_name=xsd_name)

        builtin = _builtin_ancestor(xsd_type)
        return SimpleType(kind="builtin", xsd_name=xsd_name, builtin=builtin)

    def enumeration(self, xsd_type: Any, context: str) -> Enumeration | None:
        """Return the enumeration that restricts `xsd_type`, from itself or its nearest base."""
        current = xsd_type
        while current is not None and not isinstance(current, XsdAtomicBuiltin):
            values = getattr(current, "enumeration", None)
            if values:
                return self.declare_enumeration(current, values, context)
            if current.is_list() or current.is_union():
                return None
            current = getattr(current, "base_type", None)
        return None

    def declare_enumeration(self, xsd_type: Any, values: list[Any], context: str) -> Enumeration:
        key = str(xsd_type.name) if xsd_type.name else f"{context}#enumeration"
        existing = self.enumerations.get(key)
        if existing is not None:
            return existing

        origin = self.origin(xsd_type, key if xsd_type.name else None)
        namespace = split_qname(key if xsd_type.name else context)[0]
        members = []
        seen = set()
        for value in values:
            text = str(value)
            if text not in seen:
                seen.add(text)
                members.append(EnumerationMember(value=text))
        enumeration = Enumeration(
            key=key,
            xsd_name=_xsd_name(xsd_type),
            origin=origin,
            namespace=namespace,
            members=members,
            doc=documentation(xsd_type),
            anonymous=not xsd_type.name,
        )
        self.enumerations[key] = enumeration
        return enumeration

    def link_vocabularies(self) -> None:
        """Give each enumeration the class that restricts a simple-content base to it.

        An enumeration that several classes restrict to gets none, since its
        members could not say which `xsi:type` to write.
        """
        candidates: dict[str, list[str]] = {}
        for cls in self.classes.values():
            if cls.anonymous or cls.content != "simple" or cls.derivation != "restriction":
                continue
            for field in cls.fields:
                if field.kind == "text" and field.simple is not None and field.simple.enumeration is not None:
                    candidates.setdefault(field.simple.enumeration.key, []).append(cls.key)

        for key, class_keys in candidates.items():
            if len(class_keys) == 1:
                self.enumerations[key].vocabulary_key = class_keys[0]

    def link_subclasses(self) -> None:
        for cls in self.classes.values():
            if cls.base_key is None:
                continue
            base = self.classes.get(cls.base_key)
            if base is None:
                self.report.warn(cls.origin, f"base type {cls.base_key} is not a known complex type")
                cls.base_key = None
                continue
            base.subclass_keys.append(cls.key)


# The list kind of each single element field kind.
_REPEATED_KINDS = {"value": "values", "child": "children"}


def _flatten(group: Any, min_factor: int = 1, max_factor: int | None = 1) -> Iterator[tuple[Any, int, int | None]]:
    """Yield each element and wildcard particle of a model group in document order,
    with occurrence bounds that account for the groups around it."""
    choice = group.model == "choice" and len(group) > 1
    for particle in group:
        min_occurs = 0 if choice else particle.min_occurs * min_factor
        max_occurs = _multiply(particle.max_occurs, max_factor)
        if isinstance(particle, XsdGroup):
            yield from _flatten(particle, min_occurs, max_occurs)
        elif isinstance(particle, (XsdElement, XsdAnyElement)):
            yield particle, min_occurs, max_occurs


def _multiply(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return None
    return a * b


def _list_item_type(xsd_type: Any) -> Any:
    """Return the item type of a list type or of a restriction of one."""
    current = xsd_type
    while not hasattr(current, "item_type"):
        current = current.base_type
    return current.item_type


def _declaring_type(particle: Any) -> Any:
    """Return the complex type whose content model declares `particle`, or None
    for a particle of a global model group."""
    current = getattr(particle, "parent", None)
    while current is not None and not isinstance(current, XsdComplexType):
        current = getattr(current, "parent", None)
    return current


def _union_members(xsd_type: Any) -> list[Any]:
    """Return the member types of a union, of a restriction of one, or of the
    simple content of a complex type that restricts its base to one."""
    current = xsd_type
    while current is not None:
        members = getattr(current, "member_types", None)
        if members is not None:
            return list(members)
        primitive_members = getattr(getattr(current, "primitive_type", None), "member_types", None)
        if primitive_members is not None:
            return list(primitive_members)
        current = getattr(current, "base_type", None)
    return []


def _builtin_ancestor(xsd_type: Any) -> str:
    current = xsd_type
    while current is not None:
        if isinstance(current, XsdAtomicBuiltin):
            return split_qname(str(current.name))[1]
        current = getattr(current, "base_type", None)
    return "string"


def _xsd_name(xsd_type: Any) -> str:
    if xsd_type.name:
        namespace, local = split_qname(str(xsd_type.name))
        return f"xs:{local}" if namespace == XSD_NAMESPACE else local
    base = getattr(xsd_type, "base_type", None)
    if base is not None and base.name:
        return f"restriction of {_xsd_name(base)}"
    return "anonymous simple type"


def build_package(
    schema: Any,
    *,
    package: str,
    bundle: str,
    modules: dict[str, str],
    prefixes: dict[str, str],
    schema_file: Any,
    report: Report,
) -> Package:
    """Map every complex type, element and enumeration of `schema` to the model.

    `schema_file` turns a schema URL into the file name that origins record.
    """
    builder = _Builder(
        schema,
        package=package,
        bundle=bundle,
        modules=modules,
        prefixes=prefixes,
        schema_file=schema_file,
        report=report,
    )
    return builder.build()
