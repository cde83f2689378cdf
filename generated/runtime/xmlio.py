"""Reading XML safely: the one place where the bindings configure the XML parser.

Documents come from outside the organisation, so the parser never loads a DTD,
never expands an entity, never touches the network, and keeps libxml2's limits
on text size and nesting depth.  A document with a DOCTYPE is rejected: STIX
documents never need one, and rejecting it closes the door on entity tricks.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import IO, Any, NoReturn, TypeVar, Union, cast

from lxml import etree

from .errors import (
    DocumentError,
    ForbiddenXMLError,
    InvalidTypeError,
    LimitExceededError,
    MalformedXMLError,
)

Source = Union[str, bytes, bytearray, "os.PathLike[str]", IO[bytes], IO[str]]

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI_NAMESPACE}}}type"
XSI_SCHEMA_LOCATION = f"{{{XSI_NAMESPACE}}}schemaLocation"
XSI_NIL = f"{{{XSI_NAMESPACE}}}nil"


# libxml2's limits without XML_PARSE_HUGE (lxml's `huge_tree`), which stays
# off: elements nest at most 256 levels deep, and one text node or attribute
# value holds at most 10,000,000 bytes (libxml2 2.14).
MAX_DEPTH = 256
MAX_TEXT_BYTES = 10_000_000

_PROLOG_BYTES = 65536
_MAX_TAGS_LOOKED_BACK = 1000
_TAG_NAME = re.compile(rb"<([A-Za-z_][-.\w]*(?::[A-Za-z_][-.\w]*)?)")
_START_TAG = re.compile(r"<[A-Za-z_]")
_LIBXML2_POSITION = re.compile(r",? line \d+, column \d+\s*$")


class _ExternalResourceRequest(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class _RefuseExternalResources(etree.Resolver):
    """Refuse every external resource that the parser asks for.

    Even with ``load_dtd=False``, libxml2 asks for an external DTD subset and
    reads the external parameter entities of an internal subset; refusing here
    means no file or URL is ever opened on behalf of a document.
    """

    def resolve(self, system_url: str, public_id: str, context: object = None) -> NoReturn:
        raise _ExternalResourceRequest(system_url or public_id or "")


def make_parser(*, encoding: str | None = None) -> etree.XMLParser:
    """Return a parser with DTD loading, entity expansion and network access off.

    `encoding` overrides the encoding that the document declares; it is set
    for text that Python has already decoded and re-encoded.
    """
    return _configure(etree.XMLParser, encoding=encoding)


def make_pull_parser(
    events: Sequence[str], *, tags: Collection[str] | None = None, encoding: str | None = None
) -> etree.XMLPullParser:
    """Return a parser that reads a document fed in parts, with the settings of
    `make_parser`, and reports `events` for the elements named in `tags` (all
    elements when None)."""
    return _configure(etree.XMLPullParser, events=events, tag=tags, encoding=encoding)


_Parser = TypeVar("_Parser", bound=etree.XMLParser)


def _configure(parser_class: Callable[..., _Parser], **options: Any) -> _Parser:
    parser = parser_class(
        **options,
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
    parser.resolvers.add(_RefuseExternalResources())
    return parser


def source_name(source: object) -> str | None:
    """Return a name for `source` to put in error messages: its path, if it has one."""
    if isinstance(source, os.PathLike):
        return os.fsdecode(os.fspath(source))
    if isinstance(source, str) and not _is_markup(source):
        return source
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


# No path is longer than this, or holds a line break or a NUL character.
_MAX_PATH_CHARS = 4096


def _is_markup(text: str) -> bool:
    """Return True if a `str` source is XML text rather than a path."""
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        return True
    return len(text) > _MAX_PATH_CHARS or "\n" in text or "\x00" in text


def _read_bytes(source: Source, name: str | None) -> tuple[bytes, str | None]:
    """Return the document's bytes and, for text that Python decoded, the encoding to parse them with.

    Paths and file objects are read here rather than by libxml2, so that the
    parser's resolver, which refuses every external resource, never sees the
    document itself.
    """
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), None
    if isinstance(source, str) and _is_markup(source):
        return source.encode("utf-8"), "utf-8"

    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as handle:
                return handle.read(), None
        data = source.read()
    except (OSError, ValueError) as error:
        # open() raises ValueError for a path with a NUL character in it.
        reason = getattr(error, "strerror", None) or error
        raise DocumentError(f"cannot read the document: {reason}", source=name) from None
    except AttributeError:
        raise InvalidTypeError(
            f"cannot read a document from {type(source).__name__}; "
            "give a path, a file object, XML bytes or XML text"
        ) from None

    if isinstance(data, str):
        return data.encode("utf-8"), "utf-8"
    if isinstance(data, (bytes, bytearray)):
        return bytes(data), None
    raise InvalidTypeError(f"the file object returned {type(data).__name__} from read(), not bytes or str")


def read_document(source: Source) -> etree._ElementTree:
    """Parse `source` safely and return the lxml tree.

    `source` is a path (`str` or `os.PathLike`), a file object, XML as `bytes`,
    or XML text as a `str` that starts with ``<``.  Raises `MalformedXMLError`
    for input that is not well-formed or not in its declared encoding,
    `ForbiddenXMLError` for a DOCTYPE, `LimitExceededError` beyond the parser's
    limits and `DocumentError` when the source cannot be read.
    """
    name = source_name(source)
    data, encoding = _read_bytes(source, name)

    try:
        tree = etree.parse(io.BytesIO(data), make_parser(encoding=encoding), base_url=name or "")
    except _ExternalResourceRequest as request:
        raise ForbiddenXMLError(
            f"the DOCTYPE declaration refers to the external resource {request.url!r}, which is "
            "never loaded: DTDs and entities are not accepted in STIX documents; remove the DOCTYPE",
            line=_doctype_line(data),
            source=name,
        ) from None
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error, data, encoding, name) from None

    if tree.getroot() is not None and _has_doctype(tree):
        root = tree.getroot()
        raise ForbiddenXMLError(
            f"the document has a DOCTYPE declaration before its root element "
            f"{prefixed_name(root, root.tag)}; "
            "DTDs and entities are not accepted in STIX documents; remove the DOCTYPE",
            line=_doctype_line(data),
            source=name,
        )

    return tree


def _has_doctype(tree: etree._ElementTree) -> bool:
    doctype: object = getattr(tree.docinfo, "doctype", "")
    return bool(doctype)


# How much of a document `read_events` reads and feeds to the parser at a time.
CHUNK_BYTES = 1 << 20


def read_events(
    source: Source,
    events: Sequence[str],
    select: Callable[[etree._Element], Collection[str] | None],
    *,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[tuple[str, etree._Element]]:
    """Parse `source` part by part, with the settings of `read_document`, and yield
    the parser's `events` ("start", "end" or both) as ``(event, element)`` pairs.

    Once the root's start tag has been read, ``select(root)`` returns the
    names of the elements to report events for (the root is always
    reported), or None for all elements; reporting fewer elements saves a
    Python step per element.  The tree is built as usual, so the caller
    removes what it no longer needs.  Errors are those of `read_document`,
    except that a parse error does not name the element near it.
    """
    name = source_name(source)
    chunks, encoding = _read_chunks(source, name, chunk_bytes)

    # A first parser reads as far as the root's start tag, to learn what to select.
    read: list[bytes] = []
    probe = make_pull_parser(("start",), encoding=encoding)
    root = None
    for chunk in chunks:
        read.append(chunk)
        _feed(probe, chunk, name, encoding)
        root = next((element for _, element in _element_events(probe)), None)
        if root is not None:
            break
    if root is None:
        _feed(probe, None, name, encoding)
        raise MalformedXMLError("the document has no root element", source=name)
    if _has_doctype(root.getroottree()):
        raise ForbiddenXMLError(
            f"the document has a DOCTYPE declaration before its root element "
            f"{prefixed_name(root, root.tag)}; "
            "DTDs and entities are not accepted in STIX documents; remove the DOCTYPE",
            line=_doctype_line(read[0]),
            source=name,
        )

    tags = select(root)
    parser = make_pull_parser(events, tags=None if tags is None else {root.tag, *tags}, encoding=encoding)
    for chunk in read:
        _feed(parser, chunk, name, encoding)
        yield from _element_events(parser)
    del read
    for chunk in chunks:
        _feed(parser, chunk, name, encoding)
        yield from _element_events(parser)
    _feed(parser, None, name, encoding)
    yield from _element_events(parser)


def _element_events(parser: etree.XMLPullParser) -> Iterator[tuple[str, etree._Element]]:
    # The parsers of `read_events` report only "start" and "end" events, whose items are elements.
    return cast("Iterator[tuple[str, etree._Element]]", parser.read_events())


def _feed(parser: etree.XMLPullParser, chunk: bytes | None, name: str | None, encoding: str | None) -> None:
    """Feed `chunk` to `parser`, or end the document when it is None, raising the
    errors of `read_document`."""
    try:
        if chunk is None:
            parser.close()
        else:
            parser.feed(chunk)
    except _ExternalResourceRequest as request:
        raise ForbiddenXMLError(
            f"the DOCTYPE declaration refers to the external resource {request.url!r}, which is "
            "never loaded: DTDs and entities are not accepted in STIX documents; remove the DOCTYPE",
            source=name,
        ) from None
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error, b"", encoding, name) from None


def _read_chunks(source: Source, name: str | None, size: int) -> tuple[Iterator[bytes], str | None]:
    """Return the document's bytes as an iterator of parts and, for text that
    Python decoded, the encoding to parse them with."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        return (data[start : start + size] for start in range(0, len(data), size)), None
    if isinstance(source, str) and _is_markup(source):
        data = source.encode("utf-8")
        return (data[start : start + size] for start in range(0, len(data), size)), "utf-8"

    if isinstance(source, (str, os.PathLike)):
        try:
            handle: IO[Any] = open(source, "rb")
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise DocumentError(f"cannot read the document: {reason}", source=name) from None
        return _read_parts(handle, name, size, close=True), None

    read = getattr(source, "read", None)
    if read is None:
        raise InvalidTypeError(
            f"cannot read a document from {type(source).__name__}; "
            "give a path, a file object, XML bytes or XML text"
        )
    first = _read_part(source, name, size)
    if isinstance(first, str):
        return (part.encode("utf-8") for part in _text_parts(first, source, name, size)), "utf-8"
    return _read_parts(source, name, size, close=False, first=first), None


def _read_part(handle: IO[Any], name: str | None, size: int) -> object:
    try:
        return handle.read(size)
    except OSError as error:
        raise DocumentError(f"cannot read the document: {error.strerror or error}", source=name) from None


def _read_parts(
    handle: IO[Any], name: str | None, size: int, *, close: bool, first: object = None
) -> Iterator[bytes]:
    try:
        part = first if first is not None else _read_part(handle, name, size)
        while part:
            if not isinstance(part, (bytes, bytearray)):
                raise InvalidTypeError(
                    f"the file object returned {type(part).__name__} from read(), not bytes or str"
                )
            yield bytes(part)
            part = _read_part(handle, name, size)
    finally:
        if close:
            handle.close()


def _text_parts(first: str, handle: IO[Any], name: str | None, size: int) -> Iterator[str]:
    part: object = first
    while part:
        if not isinstance(part, str):
            raise InvalidTypeError(f"the file object returned {type(part).__name__} from read(), not bytes or str")
        yield part
        part = _read_part(handle, name, size)


def _syntax_error(
    error: etree.XMLSyntaxError, data: bytes, encoding: str | None, name: str | None
) -> DocumentError:
    """Return the project's error for a libxml2 parse error, with a message that says what to fix."""
    line = error.lineno or None
    column = error.offset or None
    # lxml sets `code` to libxml2's error number (lxml-stubs 0.5 do not declare it).
    code: object = getattr(error, "code", None)
    detail = _LIBXML2_POSITION.sub("", error.msg or str(error)).strip()
    near = _element_near(data, line, column)
    where = f" (near element {near})" if near else ""

    doctype_line = _doctype_line(data)
    if doctype_line is not None:
        # libxml2 checks entity declarations (for amplification, say) even though
        # it expands none, so a DOCTYPE can fail the parse before it is seen.
        return ForbiddenXMLError(
            "the document has a DOCTYPE declaration; DTDs and entities are not accepted in "
            f"STIX documents; remove the DOCTYPE (the parser stopped at line {line}: {detail})",
            line=doctype_line,
            source=name,
        )

    if code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
        if "depth" in detail:
            message = (
                f"elements are nested more than {MAX_DEPTH} levels deep{where}; the parser "
                f"accepts at most {MAX_DEPTH} levels ({detail})"
            )
        elif "too long" in detail or "size limit" in detail:
            message = (
                f"a text node or attribute value{where} is longer than the parser's limit of "
                f"{MAX_TEXT_BYTES:,} bytes ({detail})"
            )
        else:
            message = f"the document exceeds a parser limit{where}: {detail}"
        return LimitExceededError(message, line=line, source=name)

    if code in (etree.ErrorTypes.ERR_UNKNOWN_ENCODING, etree.ErrorTypes.ERR_UNSUPPORTED_ENCODING):
        return MalformedXMLError(
            f"the document declares an encoding that the parser does not support: {detail}; "
            "save it as UTF-8",
            line=line,
            source=name,
        )

    if code == etree.ErrorTypes.ERR_INVALID_ENCODING:
        declared = encoding or _declared_encoding(data) or "UTF-8"
        return MalformedXMLError(
            f"the document is not valid {declared}, the encoding it declares or XML assumes"
            f"{where}: {detail}",
            line=line,
            source=name,
        )

    return MalformedXMLError(f"not well-formed XML{where}: {detail}", line=line, source=name)


def _declared_encoding(data: bytes) -> str | None:
    match = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", data[:200])
    return match.group(1).decode("ascii") if match else None


def _prolog_text(data: bytes) -> str:
    head = data[:_PROLOG_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    # Every other encoding a STIX document uses keeps ASCII markup as ASCII bytes.
    return head.decode("latin-1")


def _doctype_line(data: bytes) -> int | None:
    """Return the line of the DOCTYPE declaration before the root element, or None if there is none."""
    text = _prolog_text(data)
    index = text.find("<!DOCTYPE")
    if index < 0:
        return None
    root = _START_TAG.search(text)
    if root is not None and root.start() < index:
        return None
    return text.count("\n", 0, index) + 1


def _element_near(data: bytes, line: int | None, column: int | None) -> str | None:
    """Return the name of the last start tag before `line` and `column`, if one is found.

    This is the element in which libxml2 stopped, or one of its earlier siblings.
    """
    if line is None or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None

    start = 0
    for _ in range(line - 1):
        start = data.find(b"\n", start) + 1
        if start == 0:
            return None
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    if column is not None:
        end = min(end, start + column)

    # End tags, comments and the like also start with "<"; look back a bounded number of them.
    for _ in range(_MAX_TAGS_LOOKED_BACK):
        end = data.rfind(b"<", 0, end)
        if end < 0:
            return None
        match = _TAG_NAME.match(data, end)
        if match:
            return match.group(1).decode("latin-1")
    return None


def source_line(element: etree._Element) -> int | None:
    """Return the line on which `element` starts in the document it was read from, or None."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


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
