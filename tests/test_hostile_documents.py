"""Hostile and broken documents: each is refused quickly with a specific error, and nothing is fetched.

Documents point their DTDs and entities at a file under `tmp_path` holding a
secret marker and at a local HTTP server on 127.0.0.1 that records requests;
the tests check that the marker appears nowhere and that no request arrives.
Time bounds are generous: they catch a hang or an expansion, not slowness.
"""

from __future__ import annotations

import io
import logging
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from generated import stix_1_2
from generated.runtime import (
    BindingError,
    DocumentError,
    ForbiddenXMLError,
    InvalidTypeError,
    LimitExceededError,
    MalformedXMLError,
    TypeDerivationError,
    UnexpectedContentError,
    UnknownRootError,
)
from generated.runtime.xmlio import MAX_DEPTH, read_document
from generator.infoset import compare_documents
from tests.conftest import corpus_file
from tests.local_server import SERVED_MARKER, RecordingServer, recording_server

SECRET = "SECRET-FILE-CONTENT-7f3a"
NAMESPACES = (
    'xmlns:stix="http://stix.mitre.org/stix-1" xmlns:stixCommon="http://stix.mitre.org/common-1" '
    'xmlns:indicator="http://stix.mitre.org/Indicator-2" xmlns:ttp="http://stix.mitre.org/TTP-1" '
    'xmlns:stixVocabs="http://stix.mitre.org/default_vocabularies-1" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)
FAST = 5.0  # seconds; small documents are refused in milliseconds
LARGE = 30.0  # seconds; for the 50 MB document


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f'<!ENTITY leak "{SECRET}">\n{SECRET}\n', encoding="utf-8")
    return path


def _package(body: str, *, prolog: str = "") -> str:
    return f'{prolog}<stix:STIX_Package {NAMESPACES} version="1.2">\n{body}\n</stix:STIX_Package>\n'


def _refused(parse: Callable[[], Any], error: type[BindingError], bound: float = FAST) -> BindingError:
    """Run `parse`, which must raise `error` within `bound` seconds, and return the error."""
    started = time.perf_counter()
    with pytest.raises(error) as raised:
        parse()
    elapsed = time.perf_counter() - started
    assert elapsed < bound, f"refused after {elapsed:.1f} s"
    return raised.value


def _assert_nothing_leaked(error: BaseException, server: RecordingServer | None = None) -> None:
    for text in (str(error), repr(error.args)):
        assert SECRET not in text
        assert SERVED_MARKER not in text
    if server is not None:
        assert server.requests == []


# -- the local server works, so "no request" means something -----------------------------------------


def test_local_server_records_requests(server: RecordingServer) -> None:
    # No proxy from the environment: the request must go to 127.0.0.1 itself.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(server.url("/probe"), timeout=5) as response:
        body = response.read().decode()

    assert SERVED_MARKER in body
    assert server.requests == ["/probe"]


# -- DTDs and entities ---------------------------------------------------------------------------------


def test_external_entity_to_local_file(secret_file: Path) -> None:
    document = _package(
        "<stix:STIX_Header><stix:Title>&xxe;</stix:Title></stix:STIX_Header>",
        prolog=f'<?xml version="1.0"?>\n<!DOCTYPE stix:STIX_Package [\n<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">\n]>\n',
    )

    error = _refused(lambda: stix_1_2.parse(document), ForbiddenXMLError)

    assert error.line == 2
    assert "DOCTYPE" in str(error)
    assert "stix:STIX_Package" in str(error)
    _assert_nothing_leaked(error)


def test_external_entity_to_url(server: RecordingServer) -> None:
    document = _package(
        "<stix:STIX_Header><stix:Title>&xxe;</stix:Title></stix:STIX_Header>",
        prolog=f'<!DOCTYPE stix:STIX_Package [<!ENTITY xxe SYSTEM "{server.url("/xxe")}">]>\n',
    )

    error = _refused(lambda: stix_1_2.parse(document), ForbiddenXMLError)

    assert error.line == 1
    _assert_nothing_leaked(error, server)


def test_external_dtd_from_url(server: RecordingServer) -> None:
    document = _package("", prolog=f'<!DOCTYPE stix:STIX_Package SYSTEM "{server.url("/stix.dtd")}">\n')

    error = _refused(lambda: stix_1_2.parse(document), ForbiddenXMLError)

    assert server.url("/stix.dtd") in str(error)
    assert "never loaded" in str(error)
    _assert_nothing_leaked(error, server)


def test_external_dtd_from_local_file(secret_file: Path) -> None:
    document = _package("<stix:STIX_Header><stix:Title>&leak;</stix:Title></stix:STIX_Header>",
                        prolog=f'<!DOCTYPE stix:STIX_Package SYSTEM "{secret_file.as_uri()}">\n')

    error = _refused(lambda: stix_1_2.parse(document), ForbiddenXMLError)

    _assert_nothing_leaked(error)


def test_parameter_entity_from_url(server: RecordingServer) -> None:
    document = _package(
        "<stix:STIX_Header><stix:Title>&leak;</stix:Title></stix:STIX_Header>",
        prolog=f'<!DOCTYPE stix:STIX_Package [<!ENTITY % remote SYSTEM "{server.url("/pe")}"> %remote;]>\n',
    )

    error = _refused(lambda: stix_1_2.parse(document), ForbiddenXMLError)

    _assert_nothing_leaked(error, server)


def test_parameter_entity_from_local_file(secret_file: Path) -> None:
    document = _package(
        "<stix:STIX_Header><stix:Title>&leak;</stix:Title></stix:STIX_Header>",
        prolog=f'<!DOCTYPE stix:STIX_Package [<!ENTITY % local SYSTEM "{secret_file.as_uri()}"> %local;]>\n',
    )

    error = _refused(lambda: stix_1_2.parse(document), ForbiddenXMLError)

    assert secret_file.as_uri() in str(error)
    _assert_nothing_leaked(error)


def test_entity_expansion_bomb() -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    document = _package(
        "<stix:STIX_Header><stix:Title>&lol9;</stix:Title></stix:STIX_Header>",
        prolog="<!DOCTYPE stix:STIX_Package [\n" + "\n".join(entities) + "\n]>\n",
    )

    error = _refused(lambda: stix_1_2.parse(document.encode()), ForbiddenXMLError)

    assert error.line == 1
    assert "DOCTYPE" in str(error)


def test_internal_dtd_is_refused() -> None:
    # An internal subset could add default attributes; none is applied because the document is refused.
    document = _package(
        "<stix:STIX_Header/>",
        prolog='<!DOCTYPE stix:STIX_Package [<!ATTLIST stix:STIX_Package id CDATA "injected">]>\n',
    )

    error = _refused(lambda: stix_1_2.parse(document), ForbiddenXMLError)

    assert "injected" not in str(error)


def test_doctype_from_file_path(tmp_path: Path, secret_file: Path) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(_package("", prolog=f'<!DOCTYPE x SYSTEM "{secret_file.as_uri()}">\n'), encoding="utf-8")

    error = _refused(lambda: stix_1_2.parse(path), ForbiddenXMLError)

    assert isinstance(error, DocumentError)
    assert error.source == str(path)
    assert str(error).startswith(f"{path}, line 1: ")
    _assert_nothing_leaked(error)


def test_xinclude_is_not_processed(secret_file: Path) -> None:
    document = _package(
        '<stix:STIX_Header><stix:Title>t</stix:Title></stix:STIX_Header>'
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret_file.as_uri()}" parse="text"/>'
    )

    error = _refused(lambda: stix_1_2.parse(document), UnexpectedContentError)

    assert "xi:include" in str(error)
    _assert_nothing_leaked(error)


def test_stylesheet_instruction_is_kept_not_fetched(server: RecordingServer) -> None:
    document = _package(
        "<stix:STIX_Header><stix:Title>t</stix:Title></stix:STIX_Header>",
        prolog=f'<?xml-stylesheet type="text/xsl" href="{server.url("/style.xsl")}"?>\n',
    )

    package = stix_1_2.parse(document)

    assert server.requests == []
    assert compare_documents(document.encode(), package.to_bytes()) == []


# -- limits ------------------------------------------------------------------------------------------


def test_deep_nesting() -> None:
    depth = 10_000
    document = _package("<stix:STIX_Header>\n" + "<a>\n" * depth + "</a>\n" * depth + "</stix:STIX_Header>")

    error = _refused(lambda: stix_1_2.parse(document), LimitExceededError)

    message = str(error)
    assert f"more than {MAX_DEPTH} levels" in message
    assert "near element a" in message
    assert error.line is not None and MAX_DEPTH <= error.line <= MAX_DEPTH + 5


def test_huge_text_node() -> None:
    text = "x" * (50 * 1024 * 1024)
    document = _package(f"<stix:STIX_Header>\n<stix:Title>{text}</stix:Title>\n</stix:STIX_Header>").encode()

    error = _refused(lambda: stix_1_2.parse(document), LimitExceededError, bound=LARGE)

    message = str(error)
    assert "10,000,000 bytes" in message
    assert "near element stix:Title" in message
    assert error.line == 3
    assert len(message) < 1000


def test_huge_attribute_value() -> None:
    value = "x" * (20 * 1024 * 1024)
    document = _package(f'<stix:STIX_Header id="{value}"/>').encode()

    error = _refused(lambda: stix_1_2.parse(document), LimitExceededError, bound=LARGE)

    assert len(str(error)) < 1000


# -- malformed input -----------------------------------------------------------------------------------


def test_truncated_document() -> None:
    path = corpus_file("idioms/documentation_idioms_kill-chain_kill-chain.xml")
    data = path.read_bytes()
    truncated = data[: len(data) // 2]

    error = _refused(lambda: stix_1_2.parse(truncated), MalformedXMLError)

    assert error.line is not None and error.line > 1
    assert "not well-formed XML" in str(error)
    assert "near element" in str(error)


def test_document_truncated_in_start_tag() -> None:
    error = _refused(lambda: stix_1_2.parse(b'<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" ver'),
                     MalformedXMLError)

    assert error.line == 1


def test_not_utf8_as_declared() -> None:
    document = _package("<stix:STIX_Header><stix:Title>caf\xe9</stix:Title></stix:STIX_Header>",
                        prolog='<?xml version="1.0" encoding="UTF-8"?>\n').encode("latin-1")

    error = _refused(lambda: stix_1_2.parse(document), MalformedXMLError)

    assert error.line == 3
    assert "not valid UTF-8" in str(error)
    assert "near element stix:Title" in str(error)


def test_unsupported_declared_encoding() -> None:
    document = _package("", prolog='<?xml version="1.0" encoding="X-NO-SUCH-ENCODING"?>\n').encode()

    error = _refused(lambda: stix_1_2.parse(document), MalformedXMLError)

    assert "X-NO-SUCH-ENCODING" in str(error)


def test_declared_encoding_of_text_is_ignored() -> None:
    # Text that Python already decoded is read as it is, whatever its declaration says.
    document = _package("<stix:STIX_Header><stix:Title>café</stix:Title></stix:STIX_Header>",
                        prolog='<?xml version="1.0" encoding="ISO-8859-1"?>\n')

    for source in (document, io.StringIO(document)):
        package = stix_1_2.parse(source)
        assert package.stix_header.title == "café"


def test_latin1_document_as_bytes() -> None:
    document = _package("<stix:STIX_Header><stix:Title>café</stix:Title></stix:STIX_Header>",
                        prolog='<?xml version="1.0" encoding="ISO-8859-1"?>\n').encode("latin-1")

    assert stix_1_2.parse(document).stix_header.title == "café"


@pytest.mark.parametrize(
    "document",
    [b"", b"   ", b"not xml at all", b"<", b"<a><b></a>", b"\x00\x01\x02", b"<?xml version='1.0'?>"],
    ids=["empty", "blank", "text", "lone-bracket", "mismatched", "binary", "declaration-only"],
)
def test_malformed_input(document: bytes) -> None:
    error = _refused(lambda: stix_1_2.parse(document), MalformedXMLError)

    assert error.line is not None


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.xml"

    error = _refused(lambda: stix_1_2.parse(path), DocumentError)

    assert str(error) == f"{path}: cannot read the document: No such file or directory"


@pytest.mark.parametrize(
    "source",
    ["\x00<stix:STIX_Package/>", "notes\n<stix:STIX_Package/>", "x" * 5000],
    ids=["nul-first", "text-first", "long-text"],
)
def test_text_not_starting_with_markup(source: str) -> None:
    # Found by fuzzing: such text was taken for a path, and open() raised ValueError.
    error = _refused(lambda: stix_1_2.parse(source), MalformedXMLError)

    assert error.source is None
    assert len(str(error)) < 300


def test_path_with_nul_character(tmp_path: Path) -> None:
    error = _refused(lambda: stix_1_2.parse(tmp_path / "a\x00b.xml"), DocumentError)

    assert "embedded null byte" in str(error)


def test_source_of_wrong_type() -> None:
    with pytest.raises(InvalidTypeError):
        read_document(42)  # type: ignore[arg-type]


# -- well-formed documents that the bundle does not describe -----------------------------------------


def test_unknown_root_element() -> None:
    document = '<?xml version="1.0"?>\n<foo:Report xmlns:foo="urn:example:foo"/>'

    error = _refused(lambda: stix_1_2.parse(document), UnknownRootError)

    assert error.line == 2
    assert error.path == "/foo:Report"
    assert "{urn:example:foo}Report" in str(error)
    assert "global element" in str(error)


def test_xsi_type_not_derived_from_declared_type() -> None:
    document = _package(
        '<stix:Indicators>\n<stix:Indicator xsi:type="ttp:TTPType" id="example:ttp-1"/>\n</stix:Indicators>'
    )

    error = _refused(lambda: stix_1_2.parse(document), TypeDerivationError)

    assert error.line == 3
    assert error.path == "/stix:STIX_Package/stix:Indicators[1]/stix:Indicator[1]"
    assert "ttp:TTPType is not derived from stixCommon:IndicatorBaseType" in str(error)


def test_abstract_type_without_xsi_type() -> None:
    document = _package(
        '<stix:Indicators>\n<stix:Indicator xsi:type="indicator:IndicatorType" id="example:i-1">\n'
        "<indicator:Test_Mechanisms>\n<indicator:Test_Mechanism/>\n</indicator:Test_Mechanisms>\n"
        "</stix:Indicator>\n</stix:Indicators>"
    )

    error = _refused(lambda: stix_1_2.parse(document), TypeDerivationError)

    assert error.line == 5
    assert error.path is not None and error.path.endswith("/indicator:Test_Mechanism[1]")
    assert "abstract type" in str(error)
    assert "no xsi:type" in str(error)


def test_element_not_in_content_model() -> None:
    document = _package("<stix:STIX_Header>\n<stix:Title>t</stix:Title>\n<stix:Bogus/>\n</stix:STIX_Header>")

    error = _refused(lambda: stix_1_2.parse(document), UnexpectedContentError)

    assert error.line == 4
    assert error.path == "/stix:STIX_Package/stix:STIX_Header[1]/stix:Bogus[1]"
    assert "unexpected element stix:Bogus in element stix:STIX_Header" in str(error)
    assert "expected one of: stix:Title" in str(error)


# -- values of the wrong lexical type ------------------------------------------------------------------


def test_wrong_lexical_type_is_kept() -> None:
    document = _package(
        "<stix:TTPs>\n<stix:Kill_Chains>\n"
        '<stixCommon:Kill_Chain id="example:kc-1" name="LM">\n'
        '<stixCommon:Kill_Chain_Phase phase_id="example:p-1" name="Recon" ordinality="third"/>\n'
        "</stixCommon:Kill_Chain>\n</stix:Kill_Chains>\n</stix:TTPs>"
    )

    package = stix_1_2.parse(document)
    phase = package.ttps.kill_chains[0].kill_chain_phases[0]

    assert phase.element.get("ordinality") == "third"
    assert compare_documents(document.encode(), package.to_bytes()) == []
    with pytest.raises(ValueError) as raised:
        phase.ordinality
    message = str(raised.value)
    assert message.startswith("KillChainPhase.ordinality (line 5): 'third' is not a valid")
    assert "expected an integer" in message


def test_vocabulary_term_outside_enumeration() -> None:
    document = _package(
        "<stix:STIX_Header>\n"
        '<stix:Package_Intent xsi:type="stixVocabs:PackageIntentVocab-1.0">Not a term</stix:Package_Intent>\n'
        "</stix:STIX_Header>"
    )

    package = stix_1_2.parse(document)
    intent = package.stix_header.package_intents[0]

    assert compare_documents(document.encode(), package.to_bytes()) == []
    with pytest.raises(ValueError) as raised:
        intent.value
    message = str(raised.value)
    assert message.startswith("PackageIntentVocab_1_0.value (line 3): 'Not a term' is not a valid")
    assert "'Threat Report'" in message


def test_vocabulary_term_inside_enumeration() -> None:
    document = _package(
        "<stix:STIX_Header>\n"
        '<stix:Package_Intent xsi:type="stixVocabs:PackageIntentVocab-1.0">Threat Report</stix:Package_Intent>\n'
        "</stix:STIX_Header>"
    )

    intent = stix_1_2.parse(document).stix_header.package_intents[0]

    assert intent.value == "Threat Report"
    assert type(intent.value).__name__ == "PackageIntentEnum_1_0"


# -- lenient mode --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "line", "element", "expected"),
    [
        (
            "validator-examples/cybox_schema_invalid.xml",
            13,
            "URIObject:INVALID_ELEMENT",
            "expected one of: cyboxCommon:Custom_Properties, URIObject:Value",
        ),
        (
            "idioms/getting-started_analyst-exercise_sighting.xml",
            10,
            "indicator:Sightings",
            "allows no child elements",
        ),
    ],
)
def test_strict_rejects_and_lenient_keeps(
    relative: str, line: int, element: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = corpus_file(relative)

    error = _refused(lambda: stix_1_2.parse(path), UnexpectedContentError)
    assert error.line == line
    assert f"unexpected element {element}" in str(error)
    assert expected in str(error)

    with caplog.at_level(logging.WARNING, logger="generated"):
        obj = stix_1_2.parse(path, strict=False)
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"line {line}" in warnings[0].getMessage()
    assert compare_documents(etree.parse(str(path)), obj.to_bytes()) == []


def test_lenient_warns_for_each_item(caplog: pytest.LogCaptureFixture) -> None:
    document = _package(
        "<stix:STIX_Header>\n<stix:Title>t</stix:Title>\n<stix:Bogus>one</stix:Bogus>\n"
        '<stix:Other kind="two"><x/></stix:Other>\n</stix:STIX_Header>\n'
        '<stix:TTPs extra="3"/>'
    )

    with caplog.at_level(logging.WARNING, logger="generated"):
        package = stix_1_2.parse(document, strict=False)

    messages = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(messages) == 3
    assert "stix:Bogus" in messages[0]
    assert "stix:Other" in messages[1]
    assert "extra" in messages[2]
    assert package.stix_header.title == "t"
    assert compare_documents(document.encode(), package.to_bytes()) == []
