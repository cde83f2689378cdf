"""Generated STIX bindings: one subpackage per schema bundle, and `parse` for any of them.

`parse` reads a document and picks the bundle from its root element. A bundle
is a candidate when the root element is one of its global elements. When the
root has a ``version`` attribute (``STIX_Package version="1.2"``), only the
candidates whose schema accepts that value remain: the STIX 1.2 schema
enumerates 1.0 to 1.2, the STIX 1.2.1 schema only ``stix-1.2.1``. When
several candidates remain, as for a MAEC package, which both STIX 1.2 and
1.2.1 ship, the one that declares the most of the document's namespaces
wins, and a tie goes to the earliest release.

This module is written by hand. Each bundle's lookup tables live in its
``_bundle`` module, which is imported on the first call of `parse`; the
binding modules load only when a document uses their types.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
import re

from lxml import etree

from generated.runtime import BindingError, Bundle, ComplexObject, DocumentError, UnknownRootError
from generated.runtime.codecs import EnumerationCodec
from generated.runtime.fields import AttributeField
from generated.runtime.xmlio import Source, element_path, read_document, source_name

__all__ = ["available_bundles", "parse", "select_bundle"]

log = logging.getLogger("generated")

VERSION_ATTRIBUTE = "version"

_bundles: tuple[Bundle, ...] | None = None


def available_bundles() -> tuple[Bundle, ...]:
    """Return the bundles of every generated subpackage, ordered by release.

    A subpackage is a bundle when it has a ``_bundle`` module. The ``_bundle``
    modules are imported on the first call; the binding modules are not.
    """
    global _bundles
    if _bundles is None:
        found = []
        for module in pkgutil.iter_modules(__path__):
            if not module.ispkg or module.name == "runtime":
                continue
            if importlib.util.find_spec(f"{__name__}.{module.name}._bundle") is None:
                continue
            tables = importlib.import_module(f"{__name__}.{module.name}._bundle")
            found.append(tables.BUNDLE)
        _bundles = tuple(sorted(found, key=_release_key))
    return _bundles


def select_bundle(root: etree._Element, *, strict: bool = True) -> Bundle:
    """Return the bundle that reads the document whose root element is `root`.

    Raises `UnknownRootError` naming the root namespace and the available
    bundles when no bundle has the root element, or when `strict` is true and
    no bundle accepts the root's ``version`` attribute. With ``strict=False``
    a version that no bundle accepts is logged and ignored.
    """
    bundles = available_bundles()
    candidates = [bundle for bundle in bundles if root.tag in bundle.elements]
    if not candidates:
        raise UnknownRootError(
            f"the root element {root.tag} is in namespace {_namespace(root.tag) or '(none)'}, "
            f"which no generated bundle has as a global element; bundles available: {_names(bundles)}",
            line=_line(root),
            path=element_path(root),
        )

    version = root.get(VERSION_ATTRIBUTE)
    if version is not None:
        accepting = [bundle for bundle in candidates if _accepts_version(bundle, root.tag, version)]
        if not accepting and strict:
            raise UnknownRootError(
                f"the root element {root.tag} (namespace {_namespace(root.tag)}) has version "
                f"{version!r}, which is no release of the bundles available: "
                + "; ".join(_describe_versions(bundle, root.tag) for bundle in candidates),
                line=_line(root),
                path=element_path(root),
            )
        if not accepting:
            log.warning(
                "version %r of root element %s is accepted by none of %s; reading it anyway",
                version,
                root.tag,
                _names(candidates),
            )
        candidates = accepting or candidates

    if len(candidates) == 1:
        return candidates[0]

    # Several bundles share the root element's namespace (MAEC, CIQ, CVRF):
    # the namespaces used inside the document tell their releases apart.
    # `max` returns the first of equal candidates, which is the earliest release.
    namespaces = _document_namespaces(root)
    return max(candidates, key=lambda bundle: len(namespaces & bundle.namespaces))


def parse(source: Source, *, strict: bool = True) -> ComplexObject:
    """Read a document of any generated bundle and return the object of its root element.

    `source` is a path, a file object, XML bytes or XML text. The bundle is
    chosen by `select_bundle`; `strict` is passed on to it and to the
    bundle's structure check.
    """
    tree = read_document(source)
    try:
        bundle = select_bundle(tree.getroot(), strict=strict)
        return bundle.bind_document(tree, strict=strict)
    except DocumentError as error:
        if error.source is None:
            error.source = source_name(source)
            error.args = (error._format(),)
        raise


def _accepts_version(bundle: Bundle, tag: str, version: str) -> bool:
    field = _version_field(bundle, tag)
    if field is None:
        return True

    try:
        field.codec.parse(version)
    except (BindingError, ValueError):
        return False
    return field.fixed is None or version == field.fixed


def _version_field(bundle: Bundle, tag: str) -> AttributeField[object] | None:
    cls = bundle.class_for_element(tag)
    if cls is None:
        return None

    for klass in cls.__mro__:
        for value in vars(klass).values():
            if isinstance(value, AttributeField) and value.qname == VERSION_ATTRIBUTE:
                return value
    return None


def _describe_versions(bundle: Bundle, tag: str) -> str:
    field = _version_field(bundle, tag)
    if field is not None and isinstance(field.codec, EnumerationCodec):
        values = ", ".join(str(member.value) for member in field.codec.enumeration)
        return f"{bundle.name} accepts {values}"
    return bundle.name


def _document_namespaces(root: etree._Element) -> set[str]:
    namespaces = {uri for uri in root.nsmap.values() if uri}
    for element in root.iter():
        tag = element.tag
        if isinstance(tag, str) and tag.startswith("{"):
            namespaces.add(tag[1:].partition("}")[0])
    return namespaces


def _line(element: etree._Element) -> int | None:
    # lxml-stubs declares `sourceline` without a usable type.
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def _release_key(bundle: Bundle) -> tuple[tuple[int, ...], str]:
    return tuple(int(number) for number in re.findall(r"\d+", bundle.name)), bundle.name


def _namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _names(bundles: list[Bundle] | tuple[Bundle, ...]) -> str:
    return ", ".join(bundle.name for bundle in bundles) or "none"
