"""Descriptors that give generated classes their typed fields.

Each field reads from and writes to the object's lxml element:

- `AttributeField`: an XML attribute of a simple type.
- `Text`: the text of an element whose type has simple content.
- `Value` and `Values`: child elements of a simple type, one or repeated.
- `Child` and `Children`: child elements of a complex type, one or repeated.
- `WrappedChildren`: a child element that only holds a repeated element
  (`TTPs/Kill_Chains/Kill_Chain`), read and written as that list.
- `Wildcard`: child elements matched by `xs:any`, as lxml elements.

Element fields carry their position in the content model (`index`) so that
an element added through the API goes where the schema wants it.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterable, Iterator, MutableSequence
from typing import Any, Generic, TypeVar, overload

from lxml import etree

from .codecs import Codec
from .errors import InvalidTypeError, InvalidValueError
from .namespaces import own_declarations, prefixes_kept
from .objects import ComplexObject
from .xmlio import XSI_NIL, XSI_TYPE, resolve_qname

T = TypeVar("T", bound=ComplexObject)
V = TypeVar("V")
F = TypeVar("F", bound="Field")


class Field:
    """A named field of a generated class."""

    name: str = ""

    def __init__(self, doc: str = "") -> None:
        self.__doc__ = doc or None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def summary(self, obj: ComplexObject) -> str | None:
        """Return a short text for `repr`, or None when the field is absent."""
        return None

    def where(self, obj: ComplexObject) -> str:
        """Return ``Class.field`` and, for parsed objects, the line, for messages."""
        line = obj._element.sourceline
        suffix = f" (line {line})" if line else ""
        return f"{type(obj).__name__}.{self.name}{suffix}"

    def _parse(self, obj: ComplexObject, codec: Codec[V], text: str) -> V:
        try:
            return codec.parse(text)
        except InvalidValueError as error:
            raise InvalidValueError(f"{self.where(obj)}: {error}") from None

    def _lexical(self, obj: ComplexObject, codec: Codec[Any], value: object) -> str:
        try:
            return codec.lexical(value)
        except InvalidValueError as error:
            raise InvalidValueError(f"{type(obj).__name__}.{self.name}: {error}") from None
        except InvalidTypeError as error:
            raise InvalidTypeError(f"{type(obj).__name__}.{self.name}: {error}") from None


class AttributeField(Field, Generic[V]):
    """An XML attribute; reads None when absent (schema defaults are not filled in)."""

    def __init__(
        self,
        qname: str,
        codec: Codec[V],
        *,
        required: bool = False,
        default: str | None = None,
        fixed: str | None = None,
        doc: str = "",
    ) -> None:
        super().__init__(doc)
        self.qname = qname
        self.codec = codec
        self.required = required
        self.default = default
        self.fixed = fixed

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> V | None: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self
        text = obj._element.get(self.qname)
        if text is None:
            return None
        return self._parse(obj, self.codec, text)

    def __set__(self, obj: ComplexObject, value: V | str | None) -> None:
        if value is None:
            obj._materialize()
            if self.qname in obj._element.attrib:
                del obj._element.attrib[self.qname]
            return

        lexical = self._lexical(obj, self.codec, value)
        if self.fixed is not None and lexical != self.fixed and self.codec.parse(lexical) != self.codec.parse(self.fixed):
            raise InvalidValueError(
                f"{type(obj).__name__}.{self.name}: {lexical!r} is not allowed; the schema fixes "
                f"this attribute to {self.fixed!r}"
            )
        obj._materialize()
        obj._element.set(self.qname, lexical)

    def summary(self, obj: ComplexObject) -> str | None:
        text = obj._element.get(self.qname)
        return None if text is None else repr(text)


class Text(Field, Generic[V]):
    """The text of an element whose complex type has simple content.

    The element exists whenever its object does, so an element without text
    reads as ``""`` for string types, as for `Value`.  For other types it
    reads as None: that is a new object whose value is not set yet (or an
    empty element, which validation reports).  ``xsi:nil="true"`` reads as
    None.  Setting None removes the text.
    """

    def __init__(self, codec: Codec[V], *, doc: str = "") -> None:
        super().__init__(doc)
        self.codec = codec

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> V | None: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self
        element = obj._element
        if element.get(XSI_NIL) in ("true", "1"):
            return None

        # lxml reads both `<a/>` and `<a></a>` as None, but "" once "" is set.
        text = element.text or ""
        if not text and self.codec.python_type is not str:
            return None
        return self._parse(obj, self.codec, text)

    def __set__(self, obj: ComplexObject, value: V | str | None) -> None:
        lexical = None if value is None else self._lexical(obj, self.codec, value)
        obj._materialize()
        obj._element.text = lexical

    def summary(self, obj: ComplexObject) -> str | None:
        text = obj._element.text
        return None if text is None else repr(text)


class ElementField(Field):
    """A field stored in child elements.

    `tags` maps each element name the field accepts (its own and those of its
    substitution group members) to the class of that element, as a
    ``"module:Class"`` reference resolved on first use, or None for a simple type.
    """

    def __init__(
        self,
        tag: str,
        index: int,
        *,
        tags: dict[str, str | None] | None = None,
        min_occurs: int = 0,
        max_occurs: int | None = 1,
        doc: str = "",
    ) -> None:
        super().__init__(doc)
        self.tag = tag
        self.index = index
        self.tags: dict[str, str | None] = tags if tags is not None else {tag: None}
        self.min_occurs = min_occurs
        self.max_occurs = max_occurs
        self._classes: dict[str, type[ComplexObject]] = {}

    def class_for(self, owner: type[ComplexObject], tag: str) -> type[ComplexObject] | None:
        """Return the declared class of element `tag` in this field, or None for a simple type."""
        cls = self._classes.get(tag)
        if cls is not None:
            return cls

        reference = self.tags.get(tag)
        if reference is None:
            return None
        cls = owner._bundle.resolve(reference)
        self._classes[tag] = cls
        return cls

    def find(self, parent: etree._Element) -> etree._Element | None:
        """Return the first child element of `parent` that belongs to this field."""
        # `iterchildren` matches names in C; `find` goes through ElementPath and
        # takes about twice as long.
        for child in parent.iterchildren(*self.tags):
            return child
        return None

    def find_all(self, parent: etree._Element) -> list[etree._Element]:
        return list(parent.iterchildren(*self.tags))

    def insert(self, owner: ComplexObject, element: etree._Element) -> None:
        """Insert `element` into `owner` after the children of this and earlier fields."""
        parent = owner._element
        fields = type(owner)._element_fields
        first_later: etree._Element | None = None

        for child in reversed(parent):
            field = fields.get(child.tag) if isinstance(child.tag, str) else None
            if field is None:
                continue
            if field.index <= self.index:
                child.addnext(element)
                return
            first_later = child

        if first_later is not None:
            first_later.addprevious(element)
        else:
            parent.append(element)

    def bind(self, owner: ComplexObject, element: etree._Element) -> ComplexObject:
        declared = self.class_for(type(owner), element.tag)
        assert declared is not None, f"{self.name} holds a simple type"
        return owner._bundle.bind(element, declared)

    def adopt(self, owner: ComplexObject, value: object, tag: str | None = None) -> etree._Element:
        """Prepare `value` to be stored in this field and return its element.

        The element is renamed to the field's element name and gets an
        `xsi:type` when its class is derived from the declared one.  An element
        that already has a parent is moved, as lxml moves elements.
        """
        tag = tag or self.tag
        declared = self.class_for(type(owner), tag)
        assert declared is not None
        value = self._coerce(owner, declared, value)
        _reject_cycle(owner, self.name, value)

        value._pending = None
        element = value._element
        value._element = owner._bundle.set_tag(element, tag, parent=owner._element)
        _set_xsi_type(value, declared, owner._element)
        return value._element

    def _coerce(
        self, owner: ComplexObject, declared: type[ComplexObject], value: object
    ) -> ComplexObject:
        if isinstance(value, declared):
            return value
        if isinstance(value, ComplexObject):
            raise InvalidTypeError(
                f"{type(owner).__name__}.{self.name}: expected {declared.__name__}, "
                f"got {type(value).__name__} {_short_repr(value)}"
            )
        if isinstance(value, enum.Enum):
            vocabulary = vocabulary_class(value)
            if vocabulary is not None:
                return self._vocabulary_term(owner, declared, vocabulary, value)
        if declared._content == "simple" and value is not None:
            # A plain value for a field whose class has simple content
            # (a title string for a StructuredText field, say).
            obj = declared()
            try:
                obj.value = value  # type: ignore[attr-defined]
            except InvalidValueError as error:
                raise InvalidValueError(f"{type(owner).__name__}.{self.name}: {error}") from None
            except InvalidTypeError as error:
                raise InvalidTypeError(f"{type(owner).__name__}.{self.name}: {error}") from None
            return obj
        raise InvalidTypeError(
            f"{type(owner).__name__}.{self.name}: expected {declared.__name__}, "
            f"got {type(value).__name__} {value!r}"
        )

    def _vocabulary_term(
        self,
        owner: ComplexObject,
        declared: type[ComplexObject],
        vocabulary: type[ComplexObject],
        member: enum.Enum,
    ) -> ComplexObject:
        """Return an instance of the member's closed vocabulary class holding the member.

        Stored in this field it gets the vocabulary's `xsi:type`, because
        the field's declared class is an ancestor of the vocabulary class.
        """
        if not issubclass(vocabulary, declared):
            raise InvalidTypeError(
                f"{type(owner).__name__}.{self.name}: {type(member).__name__}.{member.name} "
                f"belongs to the vocabulary {vocabulary.__name__}, which this field's type "
                f"{declared.__name__} does not accept; pass {member.value!r} as a string to "
                "store the term without a vocabulary"
            )
        term = vocabulary()
        term.value = member  # type: ignore[attr-defined]
        return term

    def new_element(
        self, owner: ComplexObject, tag: str | None = None, hoisted: dict[str, str] | None = None
    ) -> etree._Element:
        return owner._bundle.new_element(tag or self.tag, None, parent=owner._element, hoisted=hoisted)


def vocabulary_class(member: enum.Enum) -> type[ComplexObject] | None:
    """Return the closed vocabulary class of an enumeration member, or None.

    A generated enumeration that is the value set of exactly one complex
    type with simple content (``PackageIntentEnum-1.0`` of
    ``PackageIntentVocab-1.0``) names that class in its `_vocabulary`
    attribute, as a ``"module:Class"`` reference in its own package.
    """
    enumeration = type(member)
    reference = getattr(enumeration, "_vocabulary", None)
    if not isinstance(reference, str):
        return None

    package = enumeration.__module__.rpartition(".")[0]
    module_name, _, class_name = reference.partition(":")
    cls = getattr(importlib.import_module(f"{package}.{module_name}"), class_name)
    if not (isinstance(cls, type) and issubclass(cls, ComplexObject)):
        raise TypeError(f"{enumeration.__name__}._vocabulary names {reference}, which is not a generated class")
    return cls


def _reject_cycle(owner: ComplexObject, field_name: str, value: ComplexObject) -> None:
    """Raise `InvalidValueError` if `value` is `owner` or one of its ancestors.

    lxml would raise only when it inserts the element, after `adopt` has
    renamed it and set its `xsi:type` in its old place.  A container that is
    not attached yet (see `ComplexObject._materialize`) counts its future
    parent's ancestors.
    """
    element = value._element
    current: ComplexObject | None = owner
    while current is not None:
        if current._element is element or any(ancestor is element for ancestor in current._element.iterancestors()):
            raise InvalidValueError(
                f"{type(owner).__name__}.{field_name}: cannot store {type(value).__name__} "
                "inside itself or inside one of its own descendants"
            )
        current = current._pending[0] if current._pending is not None else None


def _same_item(first: object, second: object) -> bool:
    """Return True if two list items are equal; objects are equal when they view one element."""
    if isinstance(first, ComplexObject) and isinstance(second, ComplexObject):
        return first._element is second._element
    return first is second or first == second


def _short_repr(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _set_xsi_type(
    value: ComplexObject, declared: type[ComplexObject], parent: etree._Element | None = None
) -> None:
    element = value._element
    current = element.get(XSI_TYPE)
    wanted = type(value)._qname

    if current is not None:
        resolved = resolve_qname(element, current)
        if resolved == wanted or value.unknown_type:
            return
    if type(value) is declared:
        if current is not None:
            del element.attrib[XSI_TYPE]
        return

    value._element = value._bundle.declare_type(element, wanted, parent)


class Child(ElementField, Generic[T]):
    """A single child element of a complex type."""

    def __init__(self, tag: str, index: int, *, container: bool = False, **kwargs: Any) -> None:
        super().__init__(tag, index, **kwargs)
        self.container = container

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> T | None: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self

        element = self.find(obj._element)
        if element is not None:
            return self.bind(obj, element)
        if not self.container:
            return None

        # An absent container reads as a new empty object, attached on first change.
        declared = self.class_for(type(obj), self.tag)
        assert declared is not None
        pending = declared._wrap(self.new_element(obj))
        pending._pending = (obj, self)
        return pending

    def __set__(self, obj: ComplexObject, value: T | str | None) -> None:
        obj._materialize()
        existing = self.find(obj._element)

        if value is None:
            if existing is not None:
                obj._element.remove(existing)
            return

        if isinstance(value, ComplexObject) and value._element is existing:
            return
        element = self.adopt(obj, value)
        with prefixes_kept(element):
            if existing is not None:
                obj._element.replace(existing, element)
            else:
                self.insert(obj, element)

    def summary(self, obj: ComplexObject) -> str | None:
        element = self.find(obj._element)
        return None if element is None else f"<{type(self.bind(obj, element)).__name__}>"


class Value(ElementField, Generic[V]):
    """A single child element of a simple type, read as its value.

    An absent element or one with ``xsi:nil="true"`` reads as None, and an
    element without text as the empty string (see `Text`).
    """

    def __init__(self, tag: str, index: int, codec: Codec[V], **kwargs: Any) -> None:
        super().__init__(tag, index, **kwargs)
        self.codec = codec

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> V | None: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self
        element = self.find(obj._element)
        if element is None or element.get(XSI_NIL) in ("true", "1"):
            # An element with xsi:nil="true" has no value, which reads as None.
            return None
        return self._parse(obj, self.codec, element.text or "")

    def __set__(self, obj: ComplexObject, value: V | str | None) -> None:
        lexical = None if value is None else self._lexical(obj, self.codec, value)
        obj._materialize()
        existing = self.find(obj._element)

        if lexical is None:
            if existing is not None:
                obj._element.remove(existing)
            return

        if existing is None:
            existing = self.new_element(obj)
            self.insert(obj, existing)
        existing.text = lexical

    def summary(self, obj: ComplexObject) -> str | None:
        element = self.find(obj._element)
        return None if element is None else repr(element.text or "")


class _Sequence(MutableSequence[Any]):
    """Common list behaviour over the child elements of one field."""

    def __init__(self, owner: ComplexObject, field: ElementField) -> None:
        self._owner = owner
        self._field = field

    def _container(self) -> etree._Element | None:
        return self._owner._element

    def _elements(self) -> list[etree._Element]:
        container = self._container()
        if container is None:
            return []
        return self._field.find_all(container)

    def _item(self, element: etree._Element) -> Any:
        raise NotImplementedError

    def _new(self, value: Any) -> etree._Element:
        raise NotImplementedError

    def _place(self, element: etree._Element) -> None:
        self._owner._materialize()
        with prefixes_kept(element):
            self._field.insert(self._owner, element)

    def __len__(self) -> int:
        return len(self._elements())

    def __iter__(self) -> Iterator[Any]:
        # The inherited `__iter__` calls `__getitem__` for each index, which finds
        # the elements again every time: quadratic in the length of the list.
        for element in self._elements():
            yield self._item(element)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        elements = self._elements()
        if isinstance(index, slice):
            return [self._item(element) for element in elements[index]]
        return self._item(elements[index])

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            raise TypeError("slice assignment is not supported; assign the whole field instead")
        old = self._elements()[index]
        new = self._new(value)
        if new is not old:
            parent = old.getparent()
            assert parent is not None
            with prefixes_kept(new):
                parent.replace(old, new)

    def __delitem__(self, index: Any) -> None:
        self._delete(index)
        self._removed()

    def _delete(self, index: Any) -> None:
        elements = self._elements()
        targets = elements[index] if isinstance(index, slice) else [elements[index]]
        for element in targets:
            parent = element.getparent()
            assert parent is not None
            parent.remove(element)

    def _removed(self) -> None:
        """Tidy the tree after items were removed (see `WrappedList`)."""

    def insert(self, index: int, value: Any) -> None:
        element = self._new(value)
        elements = self._elements()
        if index < 0:
            index = max(0, len(elements) + index)
        if not elements:
            self._place(element)
            return

        self._owner._materialize()
        anchor = elements[min(index, len(elements) - 1)]
        with prefixes_kept(element):
            if index < len(elements):
                anchor.addprevious(element)
            else:
                anchor.addnext(element)

    def append(self, value: Any) -> None:
        element = self._new(value)
        self._place(element)

    def reverse(self) -> None:
        """Reverse the items in place; comments and other content between them stay put.

        The inherited `reverse` assigns items to each other's index, which
        moves an element out of its place and loses an item.
        """
        elements = self._elements()
        for first, last in zip(elements[: len(elements) // 2], reversed(elements)):
            # The placeholder keeps the place of `first` while `last` moves there.
            placeholder = etree.Comment()
            first.addprevious(placeholder)
            last.addprevious(first)
            placeholder.addprevious(last)
            parent = placeholder.getparent()
            assert parent is not None
            parent.remove(placeholder)

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """Return the index of the first item equal to `value`; an object matches the
        items that view its element."""
        elements = self._elements()
        for position in range(*slice(start, stop).indices(len(elements))):
            if _same_item(self._item(elements[position]), value):
                return position
        raise ValueError(f"{_short_repr(value)} is not in {type(self._owner).__name__}.{self._field_name()}")

    def __contains__(self, value: object) -> bool:
        return any(_same_item(item, value) for item in self)

    def count(self, value: Any) -> int:
        """Return how many items are equal to `value`; an object matches the items
        that view its element."""
        return sum(1 for item in self if _same_item(item, value))

    def _field_name(self) -> str:
        return self._field.name

    def replace_all(self, values: object) -> None:
        """Replace every item by `values`, converting them all before the tree changes.

        A string is rejected rather than read as a sequence of characters.
        """
        if isinstance(values, (str, bytes, bytearray)) or not isinstance(values, Iterable):
            raise InvalidTypeError(
                f"{type(self._owner).__name__}.{self._field_name()}: expected an iterable of items, "
                f"got {type(values).__name__} {_short_repr(values)}"
            )
        elements = [self._new(value) for value in values]
        self._delete(slice(None))
        for element in elements:
            self._place(element)
        self._removed()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, _Sequence)):
            mine, theirs = list(self), list(other)
            return len(mine) == len(theirs) and all(map(_same_item, mine, theirs))
        return NotImplemented

    def __repr__(self) -> str:
        return repr(list(self))


class ObjectList(_Sequence, MutableSequence[T]):
    """A live list of the objects stored in a repeated child element."""

    def _item(self, element: etree._Element) -> T:
        return self._field.bind(self._owner, element)  # type: ignore[return-value]

    def _new(self, value: Any) -> etree._Element:
        tag = self._field.tag
        if isinstance(value, ComplexObject) and value._element.tag in self._field.tags:
            tag = value._element.tag
        return self._field.adopt(self._owner, value, tag)


class ValueList(_Sequence, MutableSequence[V]):
    """A live list of the values of a repeated child element of a simple type."""

    def __init__(self, owner: ComplexObject, field: Values[V]) -> None:
        super().__init__(owner, field)
        self._codec = field.codec
        self._values_field = field

    def _item(self, element: etree._Element) -> V:
        return self._values_field._parse(self._owner, self._codec, element.text or "")

    def _new(self, value: Any) -> etree._Element:
        lexical = self._values_field._lexical(self._owner, self._codec, value)
        element = self._field.new_element(self._owner)
        element.text = lexical
        return element


class Children(ElementField, Generic[T]):
    """A repeated child element of a complex type, as a live list."""

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> ObjectList[T]: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self
        return ObjectList(obj, self)

    def __set__(self, obj: ComplexObject, values: Iterable[T]) -> None:
        ObjectList[T](obj, self).replace_all(values)

    def summary(self, obj: ComplexObject) -> str | None:
        count = len(self.find_all(obj._element))
        return None if count == 0 else f"[{count} items]"


class Values(ElementField, Generic[V]):
    """A repeated child element of a simple type, as a live list of values."""

    def __init__(self, tag: str, index: int, codec: Codec[V], **kwargs: Any) -> None:
        super().__init__(tag, index, **kwargs)
        self.codec = codec

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> ValueList[V]: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self
        return ValueList(obj, self)

    def __set__(self, obj: ComplexObject, values: Iterable[V | str]) -> None:
        ValueList[V](obj, self).replace_all(values)

    def summary(self, obj: ComplexObject) -> str | None:
        count = len(self.find_all(obj._element))
        return None if count == 0 else f"[{count} items]"


class WrappedList(ObjectList[T]):
    """The items of a wrapper element, which is created when the first item is added."""

    def __init__(self, owner: ComplexObject, field: WrappedChildren[T]) -> None:
        super().__init__(owner, field.item)
        self._wrapper = field

    def _container(self) -> etree._Element | None:
        return self._wrapper.find(self._owner._element)

    def _new_container(self, hoisted: dict[str, str]) -> etree._Element:
        self._owner._materialize()
        wrapper = self._wrapper.new_element(self._owner, hoisted=hoisted)
        self._wrapper.insert(self._owner, wrapper)
        return wrapper

    def _item(self, element: etree._Element) -> T:
        return self._wrapper.bind_item(self._owner, element)

    def _new(self, value: Any) -> etree._Element:
        return self._wrapper.adopt_item(self._owner, value)

    def _field_name(self) -> str:
        return self._wrapper.name

    def _removed(self) -> None:
        # An empty wrapper is invalid where the schema requires one item, and
        # an empty list reads the same without it. A wrapper that still has
        # attributes, text or comments is kept, so that nothing else is lost.
        container = self._container()
        if container is None or len(container) or container.attrib or (container.text or "").strip():
            return
        parent = container.getparent()
        assert parent is not None
        parent.remove(container)

    def _place(self, element: etree._Element) -> None:
        container = self._container()
        if container is None:
            # A new wrapper declares the first item's prefixes, which later items share.
            container = self._new_container(own_declarations([element]))
        with prefixes_kept(element):
            container.append(element)


class WrappedChildren(ElementField, Generic[T]):
    """A child element whose type only holds one repeated element, read as that list.

    `item_tag` and `item_class` describe the repeated element inside the wrapper.
    """

    def __init__(self, tag: str, index: int, *, item_tag: str, item_class: str, **kwargs: Any) -> None:
        super().__init__(tag, index, **kwargs)
        self.item = ElementField(item_tag, 0, tags={item_tag: item_class}, max_occurs=None)
        self.item.name = "item"

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> WrappedList[T]: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self
        return WrappedList(obj, self)

    def __set__(self, obj: ComplexObject, values: Iterable[T]) -> None:
        WrappedList[T](obj, self).replace_all(values)

    def bind_item(self, owner: ComplexObject, element: etree._Element) -> T:
        declared = self.item.class_for(type(owner), self.item.tag)
        assert declared is not None
        return owner._bundle.bind(element, declared)  # type: ignore[return-value]

    def adopt_item(self, owner: ComplexObject, value: object) -> etree._Element:
        declared = self.item.class_for(type(owner), self.item.tag)
        assert declared is not None
        value = self.item._coerce(owner, declared, value)
        assert isinstance(value, ComplexObject)
        _reject_cycle(owner, self.name, value)
        value._pending = None
        value._element = owner._bundle.set_tag(
            value._element, self.item.tag, parent=owner._element
        )
        _set_xsi_type(value, declared, owner._element)
        return value._element

    def summary(self, obj: ComplexObject) -> str | None:
        wrapper = self.find(obj._element)
        if wrapper is None:
            return None
        return f"[{len(self.item.find_all(wrapper))} items]"


class Wildcard(Field):
    """Child elements allowed by `xs:any`, as a list of lxml elements.

    `namespaces` is the set of allowed namespaces (None for any), and
    `excluded` the namespaces that `##other` rules out ("" is no namespace).
    """

    def __init__(
        self,
        index: int,
        *,
        namespaces: frozenset[str] | None = None,
        excluded: frozenset[str] = frozenset(),
        doc: str = "",
    ) -> None:
        super().__init__(doc)
        self.index = index
        self.namespaces = namespaces
        self.excluded = excluded

    def allows(self, tag: str) -> bool:
        """Return True if an element named `tag` (Clark notation) matches the wildcard."""
        namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
        if namespace in self.excluded:
            return False
        return self.namespaces is None or namespace in self.namespaces

    @overload
    def __get__(self: F, obj: None, owner: type) -> F: ...
    @overload
    def __get__(self, obj: ComplexObject, owner: type) -> list[etree._Element]: ...
    def __get__(self, obj: ComplexObject | None, owner: type) -> Any:
        if obj is None:
            return self
        # NOTE: this is a snapshot; add wildcard content with `obj.element`.
        named = type(obj)._element_fields
        return [
            child
            for child in obj._element
            if isinstance(child.tag, str) and child.tag not in named and self.allows(child.tag)
        ]

    def summary(self, obj: ComplexObject) -> str | None:
        count = len(self.__get__(obj, type(obj)))
        return None if count == 0 else f"[{count} elements]"
