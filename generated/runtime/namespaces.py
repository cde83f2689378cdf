"""Namespace prefixes inside attribute values, kept bound when lxml moves elements.

When lxml moves an element into another place, it keeps the namespace of
every element and attribute name: it drops a declaration that the new place
already makes for the same namespace URI, even under another prefix, and
declares a namespace that the new place lacks on the moved element.  It
does not look inside attribute values, so a prefix used only in a value
(``xsi:type="indicator:IndicatorType"``, ``id="example:Indicator-1"``) can
end up unbound, or bound to another namespace.

`capture` records the namespace of each prefixed value in a subtree before
a move, and `restore` makes each of them resolve to that namespace again
after it, as far as lxml allows (see `restore`).  `own_declarations` finds
the prefixes that a new parent element can declare for its children, so
that the output declares them once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lxml import etree

from .xmlio import XSI_TYPE

# A value that is one prefixed name (``example:Indicator-1``), whose local part
# starts as an NCName must.  A URI such as ``urn:x`` matches too, but counts
# only if its scheme is a bound prefix.
_PREFIXED_VALUE = re.compile(r"\s*([A-Za-z_][\w.\-]*):([A-Za-z_][\w.\-]*)\s*")


@dataclass(frozen=True)
class PrefixedValue:
    """An attribute value that names a namespace through a prefix in scope."""

    element: etree._Element
    attribute: str
    prefix: str | None
    local: str
    namespace: str

    def resolves(self) -> bool:
        """Return True if the value's prefix is bound to its original namespace."""
        return self.element.nsmap.get(self.prefix) == self.namespace


def capture(top: etree._Element) -> list[PrefixedValue]:
    """Return every prefixed attribute value in the subtree of `top` with its namespace.

    Every `xsi:type` counts, including one without a prefix, which names
    the default namespace.  Another attribute counts when its whole value
    is ``prefix:name`` and the prefix is bound: such a value is taken for a
    QName (STIX ids and references are), so its binding is kept as well.
    """
    values: list[PrefixedValue] = []
    for element in top.iter(etree.Element):
        nsmap: dict[str | None, str] | None = None
        for name, value in element.items():
            split = _split(str(name), str(value))
            if split is None:
                continue

            # `nsmap` walks every ancestor, so it is read once per element and
            # only for an element that has a prefixed value.
            if nsmap is None:
                nsmap = element.nsmap
            prefix, local = split
            namespace = nsmap.get(prefix)
            if namespace is not None:
                values.append(PrefixedValue(element, str(name), prefix, local, namespace))
    return values


def _split(name: str, value: str) -> tuple[str | None, str] | None:
    """Return the prefix and local name of a value that `capture` counts, or None."""
    if name == XSI_TYPE:
        prefix, _, local = value.strip().rpartition(":")
        return prefix or None, local
    match = _PREFIXED_VALUE.fullmatch(value)
    if match is None:
        return None
    return match.group(1), match.group(2)


def restore(top: etree._Element, values: list[PrefixedValue]) -> None:
    """Make each captured value under `top` resolve to its namespace again.

    An `xsi:type` takes the nearest prefix in scope for its namespace, as
    lxml does for element names.  When no prefix in scope has that
    namespace, `top` declares one, the value's own prefix if it is free.
    Other values are never rewritten: `top` declares their own prefix when
    it is unbound there or bound by an ancestor of `top` to another
    namespace, and the value's namespace has no other prefix in scope.
    """
    # `_declare` removes every default namespace declaration (``xmlns="..."``)
    # that no name uses, and so breaks an unprefixed `xsi:type` that relied on
    # one.  The second pass gives such a value a prefix.  That pass declares
    # only prefixes, so a third would find nothing new to repair.
    for _ in range(2):
        declarations = _repairs(top, [value for value in values if not value.resolves()])
        if not declarations:
            return
        _declare(top, declarations)


def _repairs(top: etree._Element, broken: list[PrefixedValue]) -> dict[str, str]:
    """Rewrite each broken `xsi:type` and return the prefixes that `top` must declare."""
    declarations: dict[str, str] = {}
    if not broken:
        return declarations

    top_nsmap = top.nsmap
    parent = top.getparent()
    inherited = parent.nsmap if parent is not None else {}
    own_prefixes = {prefix for prefix, uri in top_nsmap.items() if inherited.get(prefix) != uri}
    for value in broken:
        if value.attribute == XSI_TYPE:
            _restore_type(value, top_nsmap, declarations)
        elif _can_declare(value.prefix, value.namespace, top_nsmap, own_prefixes, declarations):
            assert value.prefix is not None
            declarations[value.prefix] = value.namespace
        # NOTE: an id whose namespace the new place binds to another prefix
        # keeps its text and loses its namespace: ids are never rewritten,
        # and lxml drops a declaration of a namespace URI that an ancestor
        # already declares.
    return declarations


def _restore_type(value: PrefixedValue, top_nsmap: dict[str | None, str], declarations: dict[str, str]) -> None:
    prefix = _prefix_in_scope(value.element, value.namespace)
    if prefix is None:
        prefix = _free_prefix(value.prefix or "ns", value.namespace, top_nsmap, declarations, value.element)
        declarations[prefix] = value.namespace
    value.element.set(XSI_TYPE, f"{prefix}:{value.local}" if prefix else value.local)


def _prefix_in_scope(element: etree._Element, namespace: str) -> str | None:
    """Return the nearest prefix bound to `namespace` at `element`, "" for the
    default namespace, or None when the namespace is not in scope."""
    default = False
    for prefix, uri in element.nsmap.items():
        if uri != namespace:
            continue
        if prefix is not None:
            return prefix
        default = True
    return "" if default else None


def _can_declare(
    prefix: str | None,
    namespace: str,
    top_nsmap: dict[str | None, str],
    own_prefixes: set[str | None],
    declarations: dict[str, str],
) -> bool:
    # A prefix that an ancestor binds to another namespace can be declared
    # again on `top`: lxml then gives the names under `top` that used the
    # ancestor's binding a prefix of their own.
    if prefix is None or prefix in own_prefixes:
        return False
    if declarations.get(prefix, namespace) != namespace:
        return False
    # lxml drops a declaration of a namespace that an ancestor declares, so it cannot be added.
    return namespace not in top_nsmap.values()


def _free_prefix(
    preferred: str,
    namespace: str,
    top_nsmap: dict[str | None, str],
    declarations: dict[str, str],
    element: etree._Element,
) -> str:
    taken = set(top_nsmap) | set(element.nsmap)
    candidate, counter = preferred, 1
    while candidate in taken or declarations.get(candidate, namespace) != namespace:
        counter += 1
        candidate = f"{preferred}{counter}"
    return candidate


def _declare(top: etree._Element, declarations: dict[str, str]) -> None:
    """Declare each prefix of `declarations` on `top`, an element already in place.

    lxml can add a declaration to an existing element only through
    `cleanup_namespaces`, which also removes the declarations that no name
    in the subtree uses; every prefix declared in the subtree is kept.
    """
    # An unused default namespace declaration (``xmlns="..."``) has no prefix
    # to keep, so `cleanup_namespaces` removes it, and `restore` then gives
    # the unprefixed `xsi:type` values that used it a prefix.
    kept = set(declarations)
    for element in top.iter(etree.Element):
        kept.update(prefix for prefix in element.nsmap if prefix)
    etree.cleanup_namespaces(top, top_nsmap=declarations, keep_ns_prefixes=sorted(kept))


def own_declarations(elements: Iterable[etree._Element]) -> dict[str, str]:
    """Return the prefixes that the elements among `elements` with no parent declare.

    Such an element declares every prefix in its scope itself; an element
    in a tree is skipped, because its `nsmap` includes its ancestors'.
    """
    declarations: dict[str, str] = {}
    for element in elements:
        if element.getparent() is not None:
            continue
        for prefix, namespace in element.nsmap.items():
            if prefix is not None:
                declarations.setdefault(prefix, namespace)
    return declarations


@contextmanager
def prefixes_kept(top: etree._Element) -> Iterator[None]:
    """Keep the namespaces of the prefixed values under `top` across the move in the block."""
    values = capture(top)
    yield
    restore(top, values)
