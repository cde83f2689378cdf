"""Reading and writing large documents one object at a time.

`PackageReader` parses a document part by part and yields the objects of the
root's top-level lists one at a time: for a STIX_Package, its observables,
indicators, TTPs, kill chains, exploit targets, incidents, courses of action,
campaigns, threat actors, reports and related packages.  Each object is
checked as `parse` checks a whole document, taken out of the tree with every
namespace declaration in scope, and bound to the class that its `xsi:type`
names.  What stays in memory is the root element with the rest of its content
(the header, attributes, the emptied list elements), so memory is bounded by
the largest object rather than the document.

`write_package` does the reverse: it writes a root object and an iterable of
objects as one document without building it in memory, the root's start tag
and its own content first, then each list in the order of the content model.
"""

from __future__ import annotations

import itertools
import os
import re
from xml.sax.saxutils import unescape
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, NamedTuple, Union, cast

from lxml import etree

from . import namespaces
from .errors import SerializationError, UnknownRootError
from .fields import Child, Children, ElementField, Text, Value, Values, WrappedChildren
from .objects import ComplexObject
from .structure import StructureChecker
from .xmlio import CHUNK_BYTES, Source, read_events, source_line

if TYPE_CHECKING:
    from .bundle import Bundle


class StreamItem(NamedTuple):
    """One object of a top-level list and the name of its list (``"indicators"``,
    ``"ttps.kill_chains"``: the field path from the root object)."""

    name: str
    object: ComplexObject


@dataclass(frozen=True)
class StreamedList:
    """A top-level list: the element that holds its items and the field they belong to.

    `path` holds the element names from the root's child down to the items'
    parent (empty when the items are children of the root); `owner` is the
    class of that parent and `field` the field of `owner` whose elements are
    the items.
    """

    name: str
    path: tuple[str, ...]
    owner: type[ComplexObject]
    field: ElementField

    @property
    def index(self) -> int:
        return self.field.index

    def declared(self, tag: str) -> type[ComplexObject]:
        """Return the declared class of an item named `tag`."""
        cls = self.field.class_for(self.owner, tag)
        assert cls is not None, f"list {self.name} holds elements of a simple type"
        return cls


@dataclass
class _Level:
    """An element on the way from the root to the items of one or more lists."""

    tag: str | None
    cls: type[ComplexObject]
    index: int
    lists: list[StreamedList] = field(default_factory=list)
    levels: list[_Level] = field(default_factory=list)

    def slots(self) -> list[StreamedList | _Level]:
        """Return the lists and child levels in the order of the content model."""
        return sorted([*self.lists, *self.levels], key=lambda slot: slot.index)

    def all_lists(self) -> list[StreamedList]:
        return [*self.lists, *(spec for level in self.levels for spec in level.all_lists())]


def streamed_lists(cls: type[ComplexObject]) -> tuple[StreamedList, ...]:
    """Return the top-level lists that the streaming reader and writer handle for
    a root of class `cls`, in document order.

    They are the repeated element fields of `cls` (a wrapped list such as
    ``Indicators/Indicator`` included) and those of its single child elements
    whose type holds only elements and lists of elements (``TTPs``,
    ``Observables``, ``Related_Packages``).  A child with simple values of its
    own, such as ``STIX_Header`` with its title, stays whole.
    """
    return tuple(_plan(cls).all_lists())


def _plan(cls: type[ComplexObject]) -> _Level:
    root = _Level(None, cls, -1)
    if cls._content != "element":
        return root

    for root_field in cls._fields:
        if isinstance(root_field, WrappedChildren):
            root.levels.append(_wrapper_level(cls, root_field, root_field.name, ()))
        elif isinstance(root_field, Children):
            root.lists.append(StreamedList(root_field.name, (), cls, root_field))
        elif isinstance(root_field, Child):
            child_cls = root_field.class_for(cls, root_field.tag)
            if child_cls is not None and _holds_lists(child_cls):
                root.levels.append(_container_level(root_field, child_cls))
    return root


def _holds_lists(cls: type[ComplexObject]) -> bool:
    if cls._content != "element":
        return False
    if any(isinstance(field, (Value, Values, Text)) for field in cls._fields):
        return False
    return any(isinstance(field, (Children, WrappedChildren)) for field in cls._fields)


def _container_level(container: Child[ComplexObject], cls: type[ComplexObject]) -> _Level:
    level = _Level(container.tag, cls, container.index)
    for inner in cls._fields:
        name = f"{container.name}.{inner.name}"
        if isinstance(inner, WrappedChildren):
            level.levels.append(_wrapper_level(cls, inner, name, (container.tag,)))
        elif isinstance(inner, Children):
            level.lists.append(StreamedList(name, (container.tag,), cls, inner))
    return level


def _wrapper_level(
    owner: type[ComplexObject], wrapper: WrappedChildren[ComplexObject], name: str, path: tuple[str, ...]
) -> _Level:
    wrapper_cls = wrapper.class_for(owner, wrapper.tag)
    assert wrapper_cls is not None
    item_field = wrapper_cls._element_fields[wrapper.item.tag]
    level = _Level(wrapper.tag, wrapper_cls, wrapper.index)
    level.lists.append(StreamedList(name, (*path, wrapper.tag), wrapper_cls, item_field))
    return level


# lxml stores a line number set from Python in an unsigned short.
_MAX_SETTABLE_LINE = 65535


class PackageReader:
    """Reads a document and yields a `StreamItem` for each object of its top-level
    lists (see `streamed_lists`), in document order; iterate over it once.

    `root` is the root object once its start tag has been read.  It holds the
    rest of the document as reading goes on: attributes, the header, and the
    list elements without their items.  When the iteration ends, that rest
    has been checked too and `complete` is True.

    With `strict` (the default) the first content that the schema does not
    allow raises an error; otherwise it is logged and kept.  Each object is
    checked when its end tag is read; the rest of the document when the
    document ends.  Text between the objects of a list is checked and then
    dropped from `root`.
    """

    def __init__(
        self, bundle: Bundle, source: Source, *, strict: bool = True, chunk_bytes: int = CHUNK_BYTES
    ) -> None:
        self.bundle = bundle
        self.strict = strict
        self.root: ComplexObject | None = None
        self.lists: tuple[StreamedList, ...] = ()
        self.complete = False
        self._source = source
        self._chunk_bytes = chunk_bytes
        self._checker = StructureChecker(bundle, strict)
        self._plan: _Level | None = None
        self._started = False
        self._nsmaps: dict[etree._Element, dict[str | None, str]] = {}

    def __iter__(self) -> Iterator[StreamItem]:
        if self._started:
            raise RuntimeError("a PackageReader reads its document once; create a new one")
        self._started = True
        return self._read()

    def _select(self, root: etree._Element) -> Collection[str]:
        """Pick the lists for the document's root and return the element names to
        follow: the elements on the way to each list and the items."""
        declared = self.bundle.class_for_element(root.tag)
        if declared is None:
            raise UnknownRootError(
                f"the root element {root.tag} is not a global element of bundle {self.bundle.name}",
                line=source_line(root),
            )
        self._plan = _plan(type(self.bundle.bind(root, declared)))
        self.lists = tuple(self._plan.all_lists())

        tags: set[str] = set()
        for spec in self.lists:
            tags.update(spec.path)
            tags.update(spec.field.tags)
        return tags

    def _read(self) -> Iterator[StreamItem]:
        root: etree._Element | None = None
        open_levels: dict[etree._Element, _Level] = {}
        positions: dict[tuple[etree._Element, str], int] = {}

        for event, element in read_events(self._source, ("start", "end"), self._select, chunk_bytes=self._chunk_bytes):
            if root is None:
                root = element
                self.root = self._bind_root(root)
                assert self._plan is not None
                open_levels[root] = self._plan
                continue

            parent = element.getparent()
            level = open_levels.get(parent) if parent is not None else None
            if event == "start":
                if level is not None:
                    inner = next((sub for sub in level.levels if sub.tag == element.tag), None)
                    if inner is not None:
                        open_levels[element] = inner
                continue

            if level is None:
                if element is root:
                    self._finish(root)
                continue
            spec = next((spec for spec in level.lists if element.tag in spec.field.tags), None)
            if spec is None:
                open_levels.pop(element, None)
                continue

            assert parent is not None
            key = (parent, element.tag)
            positions[key] = position = positions.get(key, 0) + 1
            yield self._take(element, parent, level, spec, position)

    def _bind_root(self, root: etree._Element) -> ComplexObject:
        declared = self.bundle.class_for_element(root.tag)
        assert declared is not None
        return self.bundle.bind(root, declared)

    def _take(
        self, element: etree._Element, parent: etree._Element, level: _Level, spec: StreamedList, position: int
    ) -> StreamItem:
        """Check the item `element`, move it out of the tree and return its object."""
        # Most objects bind no prefix of their own, so the results of checking
        # `xsi:type` values are shared and the parent's bindings are reused.
        inherited = self._nsmaps.get(parent) or self._nsmaps.setdefault(parent, parent.nsmap)
        declares = any(
            inherited.get(prefix or None) != uri
            for _, (prefix, uri) in etree.iterwalk(element, events=("start-ns",))
        )
        self._checker.check_subtree(element, level.cls, position=position, declares_namespaces=declares)
        self._drop_text_around(element, parent, level)

        # The new root declares every namespace in scope, because values such
        # as `xsi:type` use prefixes that no element or attribute name needs.
        detached = _new_root(element, element.nsmap if declares else inherited)
        detached.text = element.text
        if declares:
            # Moving the children drops their declarations of namespaces that
            # the new root declares under another prefix; only an object that
            # declares namespaces of its own pays for the check.
            values = [value for value in namespaces.capture(element) if value.element is not element]
            detached.extend(list(element))
            namespaces.restore(detached, values)
        else:
            detached.extend(list(element))
        # Messages about the object name the line it had in the document.
        # NOTE: lxml sets lines up to 65535 only; the object's own element has
        # no line beyond that, while the elements inside it keep theirs.
        line = source_line(element)
        if line is not None and line <= _MAX_SETTABLE_LINE:
            detached.sourceline = line  # type: ignore[assignment]  # lxml-stubs 0.5 type it as `...`

        # The element itself can go only now: see `_drop_text_around`.
        parent.remove(element)
        obj = self.bundle.bind(detached, spec.declared(element.tag))
        return StreamItem(spec.name, obj)

    def _drop_text_around(self, element: etree._Element, parent: etree._Element, level: _Level) -> None:
        """Check and remove the text before `element` and the part of its tail that
        the parser has read.

        libxml2 appends the next text it reads to the last child of the open
        element when that child is text, using lengths it kept for the text
        node it last wrote; so removing `element` while text precedes it would
        corrupt memory.  With the text gone, the node before `element` is an
        element, a comment or nothing.
        """
        previous = element.getprevious()
        before = parent.text if previous is None else previous.tail
        for text in (before, element.tail):
            if text and not text.isspace() and level.cls._content not in ("simple", "mixed"):
                self._checker.check_text(parent, level.cls, text)

        if before is not None:
            if previous is None:
                parent.text = None
            else:
                previous.tail = None
        element.tail = None

    def _finish(self, root: etree._Element) -> None:
        assert self.root is not None
        cls = self._checker.class_of(root, type(self.root))
        if cls is not None:
            self._checker.walk(root, cls)
        self.complete = True


# An item of `write_package`: an object, whose list is found from its class,
# or a `StreamItem` that names the list.
WriteItem = Union[StreamItem, ComplexObject]

_START_TAG = re.compile(rb"<([^\s/>!?]+)")
_DECLARATION = re.compile(rb'\s+xmlns(?::([^\s=]+))?="([^"]*)"')
_DECLARATIONS = re.compile(rb'(?:\s+xmlns(?::[^\s=]+)?="[^"]*")*')


class _Scope:
    """The prefix -> namespace bindings in scope at a point of the output (None is
    the default namespace).

    lxml writes every namespace in scope on the top element it serialises, so
    each object of a list repeats the root's declarations; `strip` removes
    them.  Objects of one list usually repeat the same declarations, so the
    result is kept per run of declarations.
    """

    def __init__(self, bindings: dict[str | None, str]) -> None:
        self.bindings = bindings
        self._escaped = {prefix: _escape(uri) for prefix, uri in bindings.items()}
        self._kept: dict[bytes, tuple[bytes, dict[str | None, str]]] = {}

    def strip(self, data: bytes) -> tuple[bytes, dict[str | None, str]]:
        """Return `data` without the declarations on its first start tag that repeat
        a binding of this scope, and the bindings of the declarations it keeps.

        lxml writes the declarations right after the element name, so only that
        run is read; a declaration in any other form is kept, which is always
        correct, only longer.
        """
        start = _START_TAG.match(data)
        if start is None:
            return data, {}
        run = _DECLARATIONS.match(data, start.end())
        assert run is not None, "the pattern also matches an empty run"

        declarations = run.group(0)
        kept = self._kept.get(declarations)
        if kept is None:
            kept = self._kept[declarations] = self._keep(declarations)
        return data[: start.end()] + kept[0] + data[run.end() :], kept[1]

    def _keep(self, declarations: bytes) -> tuple[bytes, dict[str | None, str]]:
        kept = []
        added: dict[str | None, str] = {}
        for declaration in _DECLARATION.finditer(declarations):
            prefix = declaration.group(1).decode("utf-8") if declaration.group(1) else None
            uri = declaration.group(2).decode("utf-8")
            if self._escaped.get(prefix) != uri:
                kept.append(declaration.group(0))
                added[prefix] = unescape(uri, _CHARACTER_REFERENCES)
        return b"".join(kept), added

    def inside(self, added: dict[str | None, str]) -> _Scope:
        """Return the scope inside an element that declares `added`."""
        return _Scope({**self.bindings, **added}) if added else self


def write_package(
    target: str | os.PathLike[str] | IO[bytes],
    package: ComplexObject | PackageReader,
    items: Iterable[WriteItem],
) -> None:
    """Write `package` with the objects of `items` added to its top-level lists, as
    a UTF-8 document, without building the document in memory.

    `target` is a path or a binary file object.  `package` is a root object,
    whose own content is written as it is, the objects of `items` following
    the objects it already holds in each list; or a `PackageReader`, whose
    root is written without the objects that the reader has not yielded
    yet, so ``write_package(target, reader, reader)`` copies a document and
    ``write_package(target, reader, (change(item) for item in reader))``
    changes it on the way.

    `items` must give the objects of each list together and the lists in
    document order (as `PackageReader` yields them); an object given as a
    plain object goes to the one list whose declared class it is an instance
    of.  Raises `SerializationError` for an object that fits no list or comes
    after its list was written.  Text directly inside the root and the list
    elements is layout and is not written.
    """
    if isinstance(target, (str, os.PathLike)):
        with open(target, "wb") as handle:
            _Writer(handle, package, items).write()
    else:
        _Writer(target, package, items).write()


class _Writer:
    def __init__(
        self, out: IO[bytes], package: ComplexObject | PackageReader, items: Iterable[WriteItem]
    ) -> None:
        self.out = out
        self.items = iter(items)
        self.written_lists: set[str] = set()
        self.pending: tuple[StreamedList, ComplexObject] | None = None

        # A reader reads ahead, so its root may already hold objects that it
        # has not yielded; those come through `items` and are skipped in the root.
        self.reader = package if isinstance(package, PackageReader) else None
        if isinstance(package, PackageReader):
            # Taking the first object makes the reader read the root.
            first = next(self.items, None)
            if package.root is None:
                raise SerializationError(
                    "the PackageReader has not read its root element; give the reader, or "
                    "objects taken from it, as the items to write"
                )
            if first is not None:
                self.items = itertools.chain([first], self.items)
            package = package.root

        self.package = package
        self.plan = _plan(type(package))
        self.lists = {spec.name: spec for spec in self.plan.all_lists()}
        self.advance()

    def advance(self) -> None:
        """Take the next object of `items` and find its list."""
        item = next(self.items, None)
        if item is None:
            self.pending = None
            return

        if isinstance(item, StreamItem):
            spec = self.lists.get(item.name)
            if spec is None:
                raise SerializationError(
                    f"{type(self.package).__name__} has no top-level list {item.name!r}; "
                    f"its lists are: {', '.join(self.lists)}"
                )
            obj = item.object
        else:
            obj = item
            spec = self.list_for(obj)

        if spec.name in self.written_lists:
            raise SerializationError(
                f"a {type(obj).__name__} of list {spec.name} comes after that list was written; "
                "give the objects of each list together, and the lists in document order"
            )
        self.pending = (spec, obj)

    def list_for(self, obj: ComplexObject) -> StreamedList:
        matches = [
            spec for spec in self.lists.values() if any(isinstance(obj, spec.declared(tag)) for tag in spec.field.tags)
        ]
        if len(matches) != 1:
            found = ", ".join(spec.name for spec in matches) or "none"
            raise SerializationError(
                f"a {type(obj).__name__} must go to exactly one top-level list of "
                f"{type(self.package).__name__}, but it fits {found}; give a StreamItem that names the list"
            )
        return matches[0]

    def write(self) -> None:
        root = self.package._element
        start, end, scope = _tags(root, _Scope({}))
        self.out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n")
        self.out.write(start + b"\n")
        self.write_level(self.plan, root, scope)
        self.out.write(end + b"\n")

        if self.pending is not None:
            spec, obj = self.pending
            raise SerializationError(f"a {type(obj).__name__} of list {spec.name} was not written")

    def write_level(self, level: _Level, element: etree._Element | None, scope: _Scope) -> None:
        """Write the content of `element` (None when the document lacks it) with the
        pending objects of the lists below it, in the order of the content model."""
        written: set[etree._Element] = set()
        level_tags = {inner.tag for inner in level.levels}

        for slot in level.slots():
            self.write_children(level, element, scope, written, up_to=slot.index, skip=level_tags)
            if isinstance(slot, StreamedList):
                while self.pending is not None and self.pending[0] is slot:
                    self.write_item(slot, self.pending[1], scope)
                    self.advance()
                self.written_lists.add(slot.name)
            else:
                self.write_inner_level(slot, element, scope, written)

        self.write_children(level, element, scope, written, up_to=None, skip=set())

    def write_inner_level(
        self, level: _Level, parent: etree._Element | None, scope: _Scope, written: set[etree._Element]
    ) -> None:
        child = None
        if parent is not None:
            child = next(
                (candidate for candidate in parent if candidate.tag == level.tag and candidate not in written),
                None,
            )

        names = {spec.name for spec in level.all_lists()}
        if child is None and (self.pending is None or self.pending[0].name not in names):
            self.written_lists.update(names)
            return

        assert level.tag is not None
        element = child if child is not None else self.package._bundle.new_element(level.tag, None)
        start, end, inner_scope = _tags(element, scope)
        self.out.write(start + b"\n")
        self.write_level(level, child, inner_scope)
        self.out.write(end + b"\n")
        if child is not None:
            written.add(child)

    def write_children(
        self,
        level: _Level,
        element: etree._Element | None,
        scope: _Scope,
        written: set[etree._Element],
        *,
        up_to: int | None,
        skip: set[str | None],
    ) -> None:
        """Write the children of `element` that are not written yet, in document
        order, up to the first one whose field comes after field `up_to`.

        A child that no field names (a comment, `xs:any` content) goes with
        the child before it.
        """
        if element is None:
            return

        fields = level.cls._element_fields
        pending_items = set()
        if self.reader is not None:
            pending_items = {tag for spec in level.lists for tag in spec.field.tags}

        index = -1
        for child in element:
            tag = child.tag
            field = fields.get(tag) if isinstance(tag, str) else None
            if field is not None:
                index = field.index
            if up_to is not None and index > up_to:
                return
            if child in written or (isinstance(tag, str) and (tag in skip or tag in pending_items)):
                continue

            self.out.write(scope.strip(etree.tostring(child, encoding="UTF-8", with_tail=False))[0])
            self.out.write(b"\n")
            written.add(child)

    def write_item(self, spec: StreamedList, obj: ComplexObject, scope: _Scope) -> None:
        if obj._element.tag not in spec.field.tags:
            # A new object is renamed to the list's element and gets its xsi:type.
            spec.field.adopt(spec.owner(), obj)
        data = etree.tostring(obj._element, encoding="UTF-8", with_tail=False)
        self.out.write(scope.strip(data)[0])
        self.out.write(b"\n")


def _new_root(element: etree._Element, nsmap: Mapping[str | None, str]) -> etree._Element:
    """Return a new root element with the name and attributes of `element`, the
    namespace declarations `nsmap`, and no content."""
    # lxml takes any mapping for both; lxml-stubs 0.5 declare narrower types.
    attrib = cast("dict[str, str]", element.attrib)
    return etree.Element(element.tag, attrib=attrib, nsmap=cast("dict[str, str]", nsmap))


def _shallow_copy(element: etree._Element) -> etree._Element:
    """Return a new root element with the name, the attributes and every in-scope
    namespace declaration of `element`, and no content."""
    return _new_root(element, element.nsmap)


def _tags(element: etree._Element, scope: _Scope) -> tuple[bytes, bytes, _Scope]:
    """Return the start and end tags of `element` as lxml writes them, without the
    namespace declarations that `scope` already has, and the scope inside it."""
    data = etree.tostring(_shallow_copy(element), encoding="UTF-8")
    assert data.endswith(b"/>"), data

    start, added = scope.strip(data[:-2] + b">")
    match = _START_TAG.match(data)
    assert match is not None
    return start, b"</" + match.group(1) + b">", scope.inside(added)


# The references that libxml2 writes in attribute values besides &amp;, &lt; and &gt;.
_CHARACTER_REFERENCES = {"&quot;": '"', "&#10;": "\n", "&#13;": "\r", "&#9;": "\t"}


def _escape(uri: str | None) -> str | None:
    """Return `uri` escaped as libxml2 writes attribute values.

    A URI escaped differently never equals what lxml wrote, so its
    declaration is kept, which is correct, only longer.
    """
    if uri is None:
        return None
    uri = uri.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for reference, character in _CHARACTER_REFERENCES.items():
        uri = uri.replace(character, reference)
    return uri
