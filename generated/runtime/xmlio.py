"""Reading XML safely: the one place where the bindings configure the XML parser.

Documents come from outside the organisation, so the parser never loads a DTD,
never expands an entity, never touches the network, and keeps libxml2's limits
on text size and nesting depth.  A document with a DOCTYPE is rejected: STIX
documents never need one, and rejecting it closes the door on entity tricks.
"""

from __future__ import annotations

import io
import os
from typing import IO, Union

from lxml import etree

from .errors import ForbiddenXMLError, MalformedXMLError

Source = Union[str, bytes, bytearray, "os.PathLike[str]", IO[bytes], IO[str]]

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI_NAMESPACE}}}type"
XSI_SCHEMA_LOCATION = f"{{{XSI_NAMESPACE}}}schemaLocation"
XSI_NIL = f"{{{XSI_NAMESPACE}}}nil"


def make_parser() -> etree.XMLParser:
    """Return a parser with DTD loading, entity expansion and network access off."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
    )


def source_name(source: object) -> str | None:
    """Return a name for `source` to put in error messages: its path, if it has one."""
    if isinstance(source, os.PathLike):
        return os.fspath(source)  # type: ignore[arg-type]
    if isinstance(source, str) and not source.lstrip().startswith("<"):
        return source
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


def read_document(source: Source) -> etree._ElementTree:
    """Parse `source` safely and return the lxml tree.

    `source` is a path (`str` or `os.PathLike`), a file object, XML as `bytes`,
    or XML text as a `str` that starts with ``<``.
    """
    name = source_name(source)
    parser = make_parser()

    try:
        if isinstance(source, (bytes, bytearray)):
            tree = etree.parse(io.BytesIO(bytes(source)), parser)
        elif isinstance(source, str) and source.lstrip().startswith("<"):
            tree = etree.parse(io.BytesIO(source.encode("utf-8")), parser)
        elif isinstance(source, (str, os.PathLike)):
            tree = etree.parse(os.fspath(source), parser)
        else:
            tree = etree.parse(source, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        message = error.msg or str(error)
        raise MalformedXMLError(f"not well-formed XML: {message}", line=line, source=name) from None
    except UnicodeError as error:
        raise MalformedXMLError(f"cannot decode the document: {error}", source=name) from None
    except OSError as error:
        raise MalformedXMLError(f"cannot read the document: {error}", source=name) from None

    if tree.docinfo.doctype:
        raise ForbiddenXMLError(
            "the document has a DOCTYPE declaration; DTDs and entities are not accepted "
            "in STIX documents",
            line=1,
            source=name,
        )

    return tree


def prefixed_name(element: etree._Element, clark: str) -> str:
    """Return `{ns}local` as `prefix:local` with the element's in-scope prefixes."""
    if not clark.startswith("{"):
        return clark

    namespace, local = clark[1:].split("}", 1)
    for prefix, uri in element.nsmap.items():
        if uri == namespace:
            return f"{prefix}:{local}" if prefix else local
    return clark


def element_path(element: etree._Element) -> str:
    """Return the path of `element` from the root, with the document's own prefixes
    and 1-based positions among siblings of the same name (``/stix:STIX_Package/stix:TTPs[1]``)."""
    steps = []
    current: etree._Element | None = element
    while current is not None:
        parent = current.getparent()
        name = prefixed_name(current, current.tag)
        if parent is None:
            steps.append(name)
        else:
            position = 1
            for sibling in parent.iterchildren(current.tag):
                if sibling is current:
                    break
                position += 1
            steps.append(f"{name}[{position}]")
        current = parent
    return "/" + "/".join(reversed(steps))


def resolve_qname(element: etree._Element, value: str) -> str | None:
    """Resolve a QName attribute value (``ttp:TTPType``) to Clark form, or None if
    its prefix is not declared in scope."""
    value = value.strip()
    prefix, _, local = value.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if namespace is None:
        return None if prefix else local
    return f"{{{namespace}}}{local}"
