"""One generated schema bundle: its type and element tables and its class lookups.

Each generated package (`generated.stix_1_2`, ...) creates one `Bundle` with
tables that map qualified names to ``"module:Class"`` references.  Modules are
imported on first use, so importing the package stays cheap and a document
only loads the modules of the types it uses.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lxml import etree

from . import namespaces
from .codecs import EnumerationCodec
from .errors import UnknownRootError
from .xmlio import XSI_TYPE, Source, element_path, read_document, resolve_qname, source_line

if TYPE_CHECKING:
    from .objects import ComplexObject

log = logging.getLogger("generated")


class Bundle:
    """The lookup tables of one generated package.

    `types` and `elements` map ``{namespace}name`` to ``"module:Class"``;
    `prefixes` maps each namespace to the prefix that new elements use.
    """

    def __init__(
        self,
        *,
        name: str,
        package: str,
        types: dict[str, str],
        elements: dict[str, str],
        prefixes: dict[str, str],
    ) -> None:
        self.name = name
        self.package = package
        self.types = types
        self.elements = elements
        self.prefixes = prefixes
        self.namespaces = frozenset(prefixes)
        self._classes: dict[str, type[ComplexObject]] = {}
        self._unknown_types: set[str] = set()

    def resolve(self, reference: str) -> type[ComplexObject]:
        """Import and return the class named by a ``"module:Class"`` reference."""
        cls = self._classes.get(reference)
        if cls is None:
            module_name, _, class_name = reference.partition(":")
            module = importlib.import_module(f"{self.package}.{module_name}")
            cls = getattr(module, class_name)
            self._classes[reference] = cls
        return cls

    def enumeration_codec(self, xsd_name: str, reference: str) -> EnumerationCodec[Any]:
        """Return a codec for the enumeration named by a ``"module:Enum"`` reference,
        imported on first use."""
        module_name, _, enum_name = reference.partition(":")

        def load() -> Any:
            module = importlib.import_module(f"{self.package}.{module_name}")
            return getattr(module, enum_name)

        return EnumerationCodec(xsd_name, load)

    def class_for_type(self, qname: str) -> type[ComplexObject] | None:
        """Return the class of the complex type `qname`, or None if the bundle lacks it."""
        reference = self.types.get(qname)
        return None if reference is None else self.resolve(reference)

    def class_for_element(self, tag: str) -> type[ComplexObject] | None:
        """Return the class of the global element `tag`, or None if the bundle lacks it."""
        reference = self.elements.get(tag)
        return None if reference is None else self.resolve(reference)

    def bind(self, element: etree._Element, declared: type[ComplexObject]) -> ComplexObject:
        """Return the object for `element`, whose declared class is `declared`.

        An `xsi:type` naming a class derived from `declared` picks that class.
        An unknown or unrelated `xsi:type` keeps the declared class, and the
        element's content stays as it was, reachable through `element`.
        """
        value = element.get(XSI_TYPE)
        if value is None:
            return declared._wrap(element)

        qname = resolve_qname(element, value)
        cls = self.class_for_type(qname) if qname else None
        if cls is None:
            self.note_unknown_type(qname or value, element)
            return declared._wrap(element)
        if not issubclass(cls, declared):
            return declared._wrap(element)
        return cls._wrap(element)

    def note_unknown_type(self, qname: str, element: etree._Element) -> None:
        """Log an `xsi:type` the bundle does not define, once per type name."""
        if qname in self._unknown_types:
            return
        self._unknown_types.add(qname)
        log.info(
            "xsi:type %s at line %s (%s) is not defined in bundle %s; "
            "its content is kept as XML",
            qname,
            element.sourceline,
            element_path(element),
            self.name,
        )

    def bind_root(self, root: etree._Element, *, strict: bool = True) -> ComplexObject:
        """Check the tree under `root` against the content models and return its object."""
        from .structure import check_structure

        cls = self.class_for_element(root.tag)
        if cls is None:
            raise UnknownRootError(
                f"the root element {root.tag} is not a global element of bundle {self.name}",
                line=source_line(root),
                path=element_path(root),
            )

        obj = check_structure(root, cls, self, strict=strict)
        return obj

    def bind_document(self, tree: etree._ElementTree, *, strict: bool = True) -> ComplexObject:
        return self.bind_root(tree.getroot(), strict=strict)

    def parse(self, source: Source, *, strict: bool = True) -> ComplexObject:
        """Read a document of this bundle and return the object of its root element."""
        from .errors import DocumentError
        from .xmlio import source_name

        tree = read_document(source)
        try:
            return self.bind_document(tree, strict=strict)
        except DocumentError as error:
            if error.source is None:
                error.source = source_name(source)
                error.args = (error._format(),)
            raise

    def new_element(
        self,
        tag: str,
        type_qname: str | None,
        *,
        parent: etree._Element | None = None,
        hoisted: Mapping[str, str] | None = None,
    ) -> etree._Element:
        """Create a detached element named `tag` that declares the prefixes it needs.

        The element's own namespace and its type's namespace (for a later
        `xsi:type`) are declared with the bundle's preferred prefixes, unless
        `parent` already has the type's namespace in scope.  It also declares
        the `hoisted` prefixes, which the objects it is about to contain
        declare, so that lxml drops their declarations on insertion and the
        output declares each namespace once instead of once per object.
        """
        # lxml drops a declaration that the new parent already makes when it
        # inserts the element, so only the type's namespace, which `xsi:type`
        # names in a value, depends on the parent's scope.  Reading `nsmap`
        # walks every ancestor, and reading an absent container calls this.
        in_scope = set(parent.nsmap.values()) if parent is not None and type_qname else set()
        nsmap: dict[str | None, str] = {}
        for qname in (tag, type_qname):
            namespace = _namespace(qname)
            if namespace and namespace not in in_scope:
                nsmap[self.prefix_for(namespace, nsmap)] = namespace
        if hoisted:
            _add_hoisted(nsmap, hoisted, parent)
        return etree.Element(tag, nsmap=nsmap or None)  # type: ignore[arg-type]

    def prefix_for(self, namespace: str, taken: dict[str | None, str]) -> str:
        prefix = self.prefixes.get(namespace, "ns")
        candidate, counter = prefix, 1
        while candidate in taken and taken[candidate] != namespace:
            counter += 1
            candidate = f"{prefix}{counter}"
        return candidate

    def set_tag(
        self, element: etree._Element, tag: str, *, parent: etree._Element
    ) -> etree._Element:
        """Rename `element` to `tag` and return it, declaring the tag's namespace with
        the preferred prefix (which may rebuild the element, see `declare_type`)."""
        if element.tag == tag:
            return element
        namespace = _namespace(tag)
        in_scope = set(element.nsmap.values()) | set(parent.nsmap.values())
        if namespace and namespace not in in_scope:
            element = self._redeclare(element, namespace)
        element.tag = tag
        return element

    def declare_type(
        self, element: etree._Element, type_qname: str, parent: etree._Element | None = None
    ) -> etree._Element:
        """Set `xsi:type` on `element` to `type_qname` and return the element.

        A prefix that `parent`, the element's future parent, binds to the type's
        namespace comes first: on insertion lxml drops the element's own
        declaration of a namespace the parent already declares, even under
        another prefix, and the `xsi:type` value must still resolve then.
        lxml cannot add a namespace declaration to an existing element, so when
        the type's namespace has no prefix in scope, the element is rebuilt with
        one and the new element is returned.
        """
        namespace = _namespace(type_qname)
        local = type_qname.rsplit("}", 1)[-1]
        prefix = _prefix_in_scope(parent, namespace) if parent is not None else None
        if prefix is None:
            prefix = _prefix_in_scope(element, namespace)
        if prefix is None and namespace is not None:
            element = self._redeclare(element, namespace)
            prefix = _prefix_in_scope(element, namespace)
        element.set(XSI_TYPE, f"{prefix}:{local}" if prefix else local)
        return element

    def _redeclare(self, element: etree._Element, namespace: str) -> etree._Element:
        nsmap: dict[Any, str] = dict(element.nsmap)
        return self.redeclare(element, self.prefix_for(namespace, nsmap), namespace)

    def redeclare(self, element: etree._Element, prefix: str, namespace: str) -> etree._Element:
        """Return a copy of `element` that also declares `prefix` for `namespace`,
        put in the element's place with the children moved over."""
        nsmap: dict[Any, str] = dict(element.nsmap)
        nsmap[prefix] = namespace
        attributes = {str(name): str(value) for name, value in element.items()}
        rebuilt = etree.Element(element.tag, attrib=attributes, nsmap=nsmap)
        rebuilt.text = element.text

        # Moving the children drops their declarations of namespaces that the
        # rebuilt element declares under another prefix, and `prefix` may be
        # one that the element's own values (its `xsi:type`) use for another
        # namespace; those values now belong to the rebuilt element.
        values = [
            dataclasses.replace(value, element=rebuilt) if value.element is element else value
            for value in namespaces.capture(element)
        ]
        rebuilt.extend(list(element))
        parent = element.getparent()
        if parent is not None:
            rebuilt.tail = element.tail
            parent.replace(element, rebuilt)
        namespaces.restore(rebuilt, values)
        return rebuilt


def _add_hoisted(
    nsmap: dict[str | None, str], hoisted: Mapping[str, str], parent: etree._Element | None
) -> None:
    """Add each hoisted prefix to `nsmap` that neither clashes with nor repeats a
    binding of `nsmap` or of the scope of `parent`."""
    scope: dict[str | None, str] = dict(parent.nsmap) if parent is not None else {}
    scope.update(nsmap)
    bound = set(scope.values())
    for prefix, namespace in hoisted.items():
        if prefix in scope or namespace in bound:
            continue
        nsmap[prefix] = namespace
        scope[prefix] = namespace
        bound.add(namespace)


def _namespace(qname: str | None) -> str | None:
    if not qname or not qname.startswith("{"):
        return None
    return qname[1:].split("}", 1)[0]


def _prefix_in_scope(element: etree._Element, namespace: str | None) -> str | None:
    for prefix, uri in element.nsmap.items():
        if uri == namespace and prefix is not None:
            return prefix
    return None
