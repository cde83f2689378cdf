"""The base class of every generated class.

A generated object is a typed view of one lxml element.  The element tree is
the only storage, so reading a document and writing it back changes nothing
that the caller did not change: element order, unknown extensions, comments,
namespace prefixes and the lexical form of every value stay as they were.
Fields (see `fields`) convert values when they are read or set.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from lxml import etree

from .errors import InvalidTypeError, SerializationError, ValidationError
from .namespaces import own_declarations
from .xmlio import XSI_TYPE, Source, prefixed_name, read_document, resolve_qname

if TYPE_CHECKING:
    from .bundle import Bundle
    from .fields import AttributeField, ElementField, Field, Wildcard
    from .validation import ValidationIssue

log = logging.getLogger("generated")

T = TypeVar("T", bound="ComplexObject")

# Names that the base class uses; the generator renames fields that would hide them.
RESERVED_NAMES = frozenset(
    {
        "declare_namespace",
        "element",
        "from_xml",
        "to_xml",
        "to_bytes",
        "unknown_type",
        "validate",
        "xsi_type",
    }
)


class ComplexObject:
    """A typed view of one element whose type is an XSD complex type.

    Generated subclasses set the class variables below; `__init_subclass__`
    derives the lookup tables from the fields the class lists.
    """

    __slots__ = ("_element", "_pending")

    # Set by the generated code.
    _bundle: ClassVar[Bundle]
    _qname: ClassVar[str] = ""
    _element_tag: ClassVar[str | None] = None
    _abstract: ClassVar[bool] = False
    _content: ClassVar[str] = "element"
    _container: ClassVar[bool] = False
    _field_names: ClassVar[tuple[str, ...]] = ()
    _any_attribute: ClassVar[Wildcard | None] = None

    # Derived from `_field_names` when the class is created.
    _fields: ClassVar[tuple[Field, ...]] = ()
    _element_fields: ClassVar[dict[str, ElementField]] = {}
    _attribute_fields: ClassVar[dict[str, AttributeField[Any]]] = {}
    _wildcards: ClassVar[tuple[Wildcard, ...]] = ()

    _element: etree._Element
    _pending: tuple[ComplexObject, ElementField] | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)

        from .fields import AttributeField, ElementField, Wildcard

        fields = tuple(_static_field(cls, name) for name in cls._field_names)
        cls._fields = fields
        cls._element_fields = {}
        cls._attribute_fields = {}
        wildcards = []
        for field in fields:
            if isinstance(field, ElementField):
                for tag in field.tags:
                    cls._element_fields[tag] = field
            elif isinstance(field, AttributeField):
                cls._attribute_fields[field.qname] = field
            elif isinstance(field, Wildcard):
                wildcards.append(field)
        cls._wildcards = tuple(wildcards)

    def _init(self, values: dict[str, Any]) -> None:
        """Create a new element for this object and set each value that is not None.

        The element declares the prefixes that the objects among `values`
        declare, so that each namespace is declared once, here.
        """
        tag = self._element_tag or self._qname
        hoisted = own_declarations(_elements(values.values()))
        self._element = self._bundle.new_element(tag, self._qname, hoisted=hoisted)
        self._pending = None

        for name, value in values.items():
            if value is not None:
                setattr(self, name, value)

    @classmethod
    def _wrap(cls: type[T], element: etree._Element) -> T:
        obj = cls.__new__(cls)
        obj._element = element
        obj._pending = None
        return obj

    @classmethod
    def from_xml(cls: type[T], source: Source, *, strict: bool = True) -> T:
        """Read a document whose root element is of this class (or a subclass).

        `source` is a path, a file object, XML bytes or XML text.  With
        `strict` (the default) content that the schema does not allow raises
        `UnexpectedContentError`; with ``strict=False`` it is kept in place and
        logged as a warning.
        """
        tree = read_document(source)
        obj = cls._bundle.bind_document(tree, strict=strict)
        if not isinstance(obj, cls):
            raise InvalidTypeError(
                f"the document's root element {obj._element.tag} is read as class "
                f"{type(obj).__name__}, which is not {cls.__name__} or a subclass of it"
            )
        return obj

    @property
    def element(self) -> etree._Element:
        """The lxml element that stores this object."""
        return self._element

    @property
    def xsi_type(self) -> str | None:
        """The element's `xsi:type` in Clark notation (``{namespace}name``), or None."""
        value = self._element.get(XSI_TYPE)
        if value is None:
            return None
        return resolve_qname(self._element, value) or value

    @property
    def unknown_type(self) -> bool:
        """True if the element's `xsi:type` names a type this bundle does not define.

        Its content is then kept as it was read, reachable through `element`.
        """
        value = self._element.get(XSI_TYPE)
        if value is None:
            return False
        qname = resolve_qname(self._element, value)
        return qname is None or self._bundle.class_for_type(qname) is None

    def validate(self) -> list[ValidationIssue]:
        """Validate this object's subtree against the bundle's XML Schemas and return every error.

        Returns an empty list when the subtree is valid.  Needs the xmlschema
        package and the bundle's fetched XSD files (see `validation`); the
        first call in a process loads the schema, which takes seconds.
        """
        from .validation import validate_object

        return validate_object(self)

    def _check_valid(self) -> None:
        issues = self.validate()
        if issues:
            raise ValidationError(type(self).__name__, issues)

    def declare_namespace(self, prefix: str, uri: str) -> None:
        """Declare `prefix` for `uri` on this object's element, for the QName values
        (``id="example:Package-1"``) of a document built through the API.

        lxml cannot add a declaration to an existing element, so the element is
        rebuilt with its children moved over; other views of this same element
        taken earlier go stale, so call it right after creating the object.
        A `prefix` that is already bound to another URI is bound to `uri`
        from this element down, so the ids that use it change namespace;
        each `xsi:type` keeps its namespace and may get another prefix.
        """
        if self._element.nsmap.get(prefix) == uri:
            return
        self._materialize()
        self._element = self._bundle.redeclare(self._element, prefix, uri)

    def to_xml(self, *, pretty_print: bool = False, validate: bool = False) -> str:
        """Return the object as XML text (no XML declaration).

        With `validate`, the object is validated first and `ValidationError`,
        listing every error, is raised instead of writing invalid XML.
        """
        target = self._serialisable()
        if validate:
            self._check_valid()
        return etree.tostring(target, encoding="unicode", pretty_print=pretty_print, with_tail=False)

    def to_bytes(
        self,
        *,
        encoding: str = "UTF-8",
        xml_declaration: bool = True,
        pretty_print: bool = False,
        validate: bool = False,
    ) -> bytes:
        """Return the object as an encoded XML document.

        With `validate`, the object is validated first and `ValidationError`,
        listing every error, is raised instead of writing invalid XML.
        """
        target = self._serialisable()
        if validate:
            self._check_valid()
        data = etree.tostring(
            target,
            encoding=encoding,
            xml_declaration=xml_declaration,
            pretty_print=pretty_print,
            with_tail=False,
        )
        # lxml returns bytes for every encoding but "unicode", which `to_xml` serves.
        return data if isinstance(data, bytes) else data.encode("utf-8")

    def _serialisable(self) -> etree._Element | etree._ElementTree:
        element = self._element
        if self._element_tag is None and element.tag == self._qname:
            raise SerializationError(
                f"{type(self).__name__} is not the type of a global element, so it has no "
                "element name of its own; add it to a parent object and write the parent"
            )

        # The whole tree keeps comments and processing instructions around the root.
        if element.getparent() is None and element.getroottree().getroot() is element:
            return element.getroottree()
        return element

    def _materialize(self) -> None:
        """Attach a container object that was created on first read to its parent.

        Reading an absent container field returns an empty object that is not
        yet in the tree, so that reading never adds elements; the first change
        to it inserts it (or adopts an element another view inserted meanwhile).
        """
        pending = self._pending
        if pending is None:
            return

        parent, field = pending
        parent._materialize()
        existing = field.find(parent._element)
        if existing is not None:
            self._element = existing
        else:
            field.insert(parent, self._element)
        self._pending = None

    def __repr__(self) -> str:
        parts = []
        for field in self._fields:
            summary = field.summary(self)
            if summary is not None:
                parts.append(f"{field.name}={summary}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _elements(values: Iterable[object]) -> Iterator[etree._Element]:
    """Yield the element of each object among `values` and in their lists and tuples."""
    for value in values:
        if value is None:
            continue
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            if isinstance(item, ComplexObject):
                yield item._element


def _static_field(cls: type, name: str) -> Field:
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]  # type: ignore[no-any-return]
    raise TypeError(f"{cls.__name__} lists field {name!r} but defines no such field")


def describe(element: etree._Element) -> str:
    """Return the element's name with its own prefix, for messages."""
    return prefixed_name(element, element.tag) if isinstance(element.tag, str) else "comment"
