"""The structure check that runs once when a document is read.

It walks the whole tree, picks the class of every element (its field's
declared class, or the class its `xsi:type` names) and checks that each child
element, attribute and piece of text is one the class's content model allows.
It does not check values, order or counts: a value of the wrong lexical type
is kept as written (the typed field reports it when read), and full schema
validation is a separate step.

In strict mode the first disallowed item raises an error naming its line, its
element path and what was expected.  In lenient mode each one is logged as a
warning and left in place, so the document still round-trips without loss.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from lxml import etree

from .errors import DocumentError, TypeDerivationError, UnexpectedContentError
from .objects import ComplexObject
from .xmlio import (
    XSI_NAMESPACE,
    XSI_TYPE,
    element_path,
    prefixed_name,
    resolve_qname,
    source_line,
)

if TYPE_CHECKING:
    from .bundle import Bundle

log = logging.getLogger("generated")

_XSI_PREFIX = f"{{{XSI_NAMESPACE}}}"

# The attributes of the XSI namespace that any element may carry.
_XSI_ATTRIBUTES = frozenset(
    _XSI_PREFIX + name for name in ("type", "nil", "schemaLocation", "noNamespaceSchemaLocation")
)

class _ClassInfo:
    """The facts about one class that the walk needs for each element, computed once.

    `children` caches, per child element name that the class declares, the
    `_ClassInfo` of the child's declared class, or `_SIMPLE` for a child of a
    simple type.  `attributes` holds the declared attribute names and the
    common XSI attributes, so that most elements pass with one set operation.
    """

    __slots__ = ("cls", "children", "element_only", "attributes", "abstract")

    def __init__(self, cls: type[ComplexObject]) -> None:
        self.cls = cls
        self.children: dict[str, _ClassInfo] = {}
        self.element_only = cls._content not in ("simple", "mixed")
        self.attributes = frozenset(cls._attribute_fields) | _XSI_ATTRIBUTES
        self.abstract = cls._abstract


# The entry of an element whose type is a simple type: it may hold text only.
# It is a `_ClassInfo` so that the walk needs no type checks; it is only
# compared by identity, and its fields are never read.
_SIMPLE = _ClassInfo(ComplexObject)

_CLASS_INFOS: dict[type, _ClassInfo] = {}


def _class_info(cls: type[ComplexObject]) -> _ClassInfo:
    info = _CLASS_INFOS.get(cls)
    if info is None:
        info = _CLASS_INFOS[cls] = _ClassInfo(cls)
    return info


def _unstable_prefixes(root: etree._Element) -> frozenset[str | None]:
    """Return the prefixes that an element below `root` binds to another namespace
    than `root` does (None is the default namespace).

    Every other prefix means the same namespace everywhere under `root`.
    `iterwalk` reports the declarations of `root` and of the elements below it
    without a Python step per element; declarations that repeat the binding
    in scope at `root`, as some producers write on every element, change
    nothing.
    """
    bindings = root.nsmap
    return frozenset(
        prefix or None
        for _, (prefix, uri) in etree.iterwalk(root, events=("start-ns",))
        if bindings.get(prefix or None) != uri
    )


class StructureChecker:
    """Checks trees of one bundle; `strict` raises the first error, otherwise each
    one is logged as a warning.

    One checker can check several subtrees of one document (the streaming
    reader does), and then reports text in an element only once.
    """

    def __init__(self, bundle: Bundle, strict: bool) -> None:
        self.bundle = bundle
        self.strict = strict

        # (xsi:type value, declared class) -> class, for values whose prefix means
        # the same namespace everywhere under the root of the walk.
        self.typed: dict[tuple[str, _ClassInfo], _ClassInfo] = {}
        self.root: etree._Element | None = None
        self.unstable_prefixes: frozenset[str | None] | None = None
        self.reported_text: set[etree._Element] = set()

        # The position of the walk's root among its siblings of the same name,
        # when earlier siblings were removed from the tree (see `check_subtree`).
        self.position: int | None = None
        self.scope: etree._Element | None = None

    def path(self, element: etree._Element) -> str:
        """Return the element path of `element` for a message."""
        path = element_path(element)
        root = self.root
        if self.position is None or root is None:
            return path

        root_path = element_path(root)
        if not path.startswith(root_path) or not root_path.endswith("]"):
            return path
        base = root_path[: root_path.rindex("[")]
        return f"{base}[{self.position}]{path[len(root_path):]}"

    def start_walk(
        self, root: etree._Element, position: int | None = None, scope: etree._Element | None = None
    ) -> None:
        """Make `root` the root of the next walk.

        The cached `xsi:type` results of another root may not hold under this
        one, unless both walks give the same `scope`: the parent of roots
        under which no element declares a namespace.
        """
        self.root = root
        self.position = position
        if scope is None or scope is not self.scope:
            self.typed = {}
        self.scope = scope
        self.unstable_prefixes = None if scope is None else frozenset()

    def report(self, error: DocumentError) -> None:
        if self.strict:
            raise error
        log.warning("%s (kept as XML because strict=False)", error)

    def unexpected(self, element: etree._Element, message: str) -> None:
        self.report(
            UnexpectedContentError(message, line=source_line(element), path=self.path(element))
        )

    def class_of(
        self, element: etree._Element, declared: type[ComplexObject]
    ) -> type[ComplexObject] | None:
        """Return the class of `element`, or None when its content is not described
        by the bundle (an unknown `xsi:type`) and is kept as XML."""
        value = element.get(XSI_TYPE)
        if value is None:
            if declared._abstract:
                self.report(
                    TypeDerivationError(
                        f"element {_name(element)} has the abstract type "
                        f"{_type_name(element, declared._qname)} and no xsi:type naming "
                        "a concrete type derived from it",
                        line=source_line(element),
                        path=self.path(element),
                    )
                )
                return None
            return declared

        qname = resolve_qname(element, value)
        if qname is None:
            self.report(
                TypeDerivationError(
                    f"xsi:type {value!r} uses a prefix that is not declared",
                    line=source_line(element),
                    path=self.path(element),
                )
            )
            return None

        cls = self.bundle.class_for_type(qname)
        if cls is None:
            self.bundle.note_unknown_type(qname, element)
            return None

        if not issubclass(cls, declared):
            self.report(
                TypeDerivationError(
                    f"xsi:type {value} is not derived from "
                    f"{_type_name(element, declared._qname)}, the declared type of "
                    f"element {_name(element)}",
                    line=source_line(element),
                    path=self.path(element),
                )
            )
            return None
        return cls

    def check_attributes(self, element: etree._Element, cls: type[ComplexObject] | None) -> None:
        # lxml returns str names; lxml-stubs 0.5 declare str | bytes.
        names = cast("list[str]", element.keys())
        if not names:
            return

        declared = cls._attribute_fields if cls is not None else {}
        wildcard = cls._any_attribute if cls is not None else None
        for name in names:
            if name in declared or name.startswith(_XSI_PREFIX):
                continue
            if wildcard is not None and wildcard.allows(name):
                continue
            self.unexpected(
                element,
                f"unexpected attribute {prefixed_name(element, name)} on element "
                f"{_name(element)}; allowed: {_allowed_attributes(element, cls)}",
            )

    def check_text(self, element: etree._Element, cls: type[ComplexObject], text: str) -> None:
        """Report `text`, which is not whitespace, inside `element`, whose content
        is element-only or empty; once per element."""
        if element in self.reported_text:
            return
        self.reported_text.add(element)

        kind = "no text" if cls._content == "element" else "no content"
        self.unexpected(
            element,
            f"unexpected text {_excerpt(text)} in element {_name(element)}; its type "
            f"{_type_name(element, cls._qname)} allows {kind}",
        )

    def walk(self, root: etree._Element, cls: type[ComplexObject]) -> None:
        """Check `root`, whose class is `cls`, and every element below it in document order."""
        self.start_walk(root)
        self.check_attributes(root, cls)
        info = _class_info(cls)
        text = root.text
        if info.element_only and text and not text.isspace():
            self.check_text(root, cls, text)
        self.walk_below(root, info)

    def check_subtree(
        self,
        element: etree._Element,
        parent_cls: type[ComplexObject],
        *,
        position: int | None = None,
        declares_namespaces: bool = True,
    ) -> None:
        """Check `element`, a child of an element of class `parent_cls`, and every
        element below it; its tail is not checked.

        `position` is the element's 1-based position among the siblings of
        its name, for messages, when earlier siblings were removed from the tree.
        With ``declares_namespaces=False`` (no element from `element` down binds
        a prefix to another namespace than the parent does), results are
        shared with earlier siblings that had none.
        """
        parent = element.getparent()
        assert parent is not None, "check_subtree needs an element that has a parent"
        self.start_walk(element, position, None if declares_namespaces else parent)

        entry = self.check_element(element, parent, [_class_info(parent_cls)], check_tail=False)
        if entry is not None:
            self.walk_below(element, entry)

    def walk_below(self, root: etree._Element, info: _ClassInfo) -> None:
        """Check every element below `root`, whose entry is `info`, in document order."""
        # `iter` runs in C and is several times faster than visiting the children
        # of each element from Python.  The open elements and their entries are
        # kept on two stacks, popped until the top is the new element's parent.
        open_elements: list[etree._Element] = [root]
        entries: list[_ClassInfo | None] = [info]
        elements = root.iter()
        next(elements)
        for element in elements:
            parent = element.getparent()
            while open_elements[-1] is not parent:
                open_elements.pop()
                entries.pop()

            # The common case inline: a child that its parent's class declares,
            # with allowed attributes, no stray text, and no `xsi:type` or one met
            # before.  Anything else, or anything to report, goes through
            # `check_element`.
            entry: _ClassInfo | None = None
            parent_entry = entries[-1]
            if parent_entry is None:
                pass
            elif parent_entry is _SIMPLE:
                entry = self.check_element(element, parent, entries)
            else:
                tag = element.tag
                declared = parent_entry.children.get(tag) if tag.__class__ is str else None
                tail = element.tail if parent_entry.element_only else None
                if declared is None or (tail and not tail.isspace()):
                    entry = self.check_element(element, parent, entries)
                else:
                    names = element.keys()
                    found: _ClassInfo | None = declared
                    if names and XSI_TYPE in names:
                        found = self.typed.get((element.get(XSI_TYPE, ""), declared))
                    if declared is _SIMPLE:
                        entry = self.check_element(element, parent, entries) if names else _SIMPLE
                    elif found is None or found.abstract or (names and not found.attributes.issuperset(names)):
                        entry = self.check_element(element, parent, entries)
                    else:
                        entry = found
                        if found.element_only:
                            text = element.text
                            if text and not text.isspace():
                                entry = self.check_element(element, parent, entries)

            open_elements.append(element)
            entries.append(entry)

    def check_element(
        self,
        element: etree._Element,
        parent: etree._Element,
        entries: list[_ClassInfo | None],
        *,
        check_tail: bool = True,
    ) -> _ClassInfo | None:
        """Check one element (or comment) against the entry of its parent,
        `entries[-1]`, and return the element's own entry."""
        parent_entry = entries[-1]
        if parent_entry is None:
            return None

        tag = element.tag
        if parent_entry is _SIMPLE:
            if tag.__class__ is str:
                self.unexpected(
                    element,
                    f"unexpected element {_name(element)} in element {_name(parent)}, "
                    "whose type is a simple type and allows only text",
                )
                entries[-1] = None
            return None

        if check_tail and parent_entry.element_only:
            tail = element.tail
            if tail and not tail.isspace():
                self.check_text(parent, parent_entry.cls, tail)
        if tag.__class__ is not str:
            return None

        declared = parent_entry.children.get(tag)
        if declared is None:
            declared = self.declared_child(parent_entry, tag)
            if declared is None:
                if not any(wildcard.allows(tag) for wildcard in parent_entry.cls._wildcards):
                    self.unexpected_child(parent, element, parent_entry.cls)
                return None

        names = element.keys()
        if declared is _SIMPLE:
            if names:
                self.check_attributes(element, None)
            return _SIMPLE

        info = declared
        if XSI_TYPE in names or declared.abstract:
            typed = self.typed_class(element, declared)
            if typed is None:
                return None
            info = typed
        if names and not info.attributes.issuperset(names):
            self.check_attributes(element, info.cls)

        if info.element_only:
            text = element.text
            if text and not text.isspace():
                self.check_text(element, info.cls, text)
        return info

    def declared_child(self, info: _ClassInfo, tag: str) -> _ClassInfo | None:
        """Return the entry of a child element `tag` of `info`'s class, or None when
        the class declares no such element."""
        field = info.cls._element_fields.get(tag)
        if field is None:
            return None

        declared = field.class_for(info.cls, tag)
        entry = _SIMPLE if declared is None else _class_info(declared)
        info.children[tag] = entry
        return entry

    def typed_class(self, element: etree._Element, declared: _ClassInfo) -> _ClassInfo | None:
        """Return the class of an element with an `xsi:type` or an abstract declared
        class, or None when its content is not checked (see `class_of`)."""
        value = element.get(XSI_TYPE)
        if value is not None:
            cached = self.typed.get((value, declared))
            if cached is not None:
                return cached

        cls = self.class_of(element, declared.cls)
        if cls is None:
            return None
        info = _class_info(cls)

        # Resolving a prefix reads every namespace declaration in scope, so the
        # result is reused for the same value where the prefix cannot change.
        if value is not None and self.root is not None:
            if self.unstable_prefixes is None:
                self.unstable_prefixes = _unstable_prefixes(self.root)
            prefix = value.strip().rpartition(":")[0] or None
            if prefix not in self.unstable_prefixes:
                self.typed[(value, declared)] = info
        return info

    def unexpected_child(
        self, element: etree._Element, child: etree._Element, cls: type[ComplexObject]
    ) -> None:
        allowed = [prefixed_name(element, tag) for tag in cls._element_fields]
        if cls._content == "simple" or not allowed and not cls._wildcards:
            expected = (
                f"its type {_type_name(element, cls._qname)} allows no child elements"
            )
        else:
            expected = "expected one of: " + ", ".join(allowed)
            if cls._wildcards:
                expected += " or an element matched by xs:any"
        self.unexpected(
            child, f"unexpected element {_name(child)} in element {_name(element)}; {expected}"
        )


def check_structure(
    root: etree._Element, declared: type[ComplexObject], bundle: Bundle, *, strict: bool
) -> ComplexObject:
    """Check the tree under `root`, whose declared class is `declared`, and return
    the object for `root` (see the module docstring for what is checked)."""
    checker = StructureChecker(bundle, strict)
    cls = checker.class_of(root, declared)
    if cls is not None:
        checker.walk(root, cls)
    return bundle.bind(root, declared)


def _name(element: etree._Element) -> str:
    return prefixed_name(element, element.tag)


def _type_name(element: etree._Element, qname: str) -> str:
    return prefixed_name(element, qname)


def _allowed_attributes(element: etree._Element, cls: type[ComplexObject] | None) -> str:
    if cls is None or not cls._attribute_fields:
        return "none"
    return ", ".join(prefixed_name(element, name) for name in cls._attribute_fields)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")
