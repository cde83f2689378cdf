"""Streaming: reading a package one top-level object at a time, and writing one from objects."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from lxml import etree

from generated import stix_1_2
from generated.runtime.errors import (
    ForbiddenXMLError,
    MalformedXMLError,
    SerializationError,
    UnexpectedContentError,
    UnknownRootError,
)
from generated.runtime.stream import PackageReader, StreamItem, streamed_lists
from generator.infoset import compare_documents
from tests.conftest import corpus_file

NAMESPACES = (
    'xmlns:stix="http://stix.mitre.org/stix-1" '
    'xmlns:stixCommon="http://stix.mitre.org/common-1" '
    'xmlns:indicator="http://stix.mitre.org/Indicator-2" '
    'xmlns:ttp="http://stix.mitre.org/TTP-1" '
    'xmlns:cybox="http://cybox.mitre.org/cybox-2" '
    'xmlns:example="http://example.com" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def indicator(number: int, extra: str = "") -> str:
    return (
        f'<stix:Indicator id="example:indicator-{number}" xsi:type="indicator:IndicatorType">'
        f"<indicator:Title>Indicator {number}</indicator:Title>{extra}</stix:Indicator>"
    )


def package(body: str, *, header: str = "<stix:STIX_Header><stix:Title>Feed</stix:Title></stix:STIX_Header>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<stix:STIX_Package {NAMESPACES} id="example:Package-1" version="1.2">\n'
        f"  {header}\n{body}\n</stix:STIX_Package>\n"
    ).encode()


SAMPLE = package(
    '  <stix:Observables cybox_major_version="2" cybox_minor_version="1" cybox_update_version="0">\n'
    '    <cybox:Observable id="example:observable-1"><cybox:Title>First</cybox:Title></cybox:Observable>\n'
    '    <cybox:Observable id="example:observable-2"><cybox:Title>Second</cybox:Title></cybox:Observable>\n'
    "  </stix:Observables>\n"
    f"  <stix:Indicators>\n    {indicator(1)}\n    <!-- a comment between two indicators -->\n    {indicator(2)}\n  </stix:Indicators>\n"
    '  <stix:TTPs>\n    <stix:TTP id="example:ttp-1" xsi:type="ttp:TTPType"><ttp:Title>Phishing</ttp:Title></stix:TTP>\n'
    '    <stix:Kill_Chains><stixCommon:Kill_Chain id="example:kill-chain-1" name="Chain"/></stix:Kill_Chains>\n'
    "  </stix:TTPs>"
)


def read_all(source: object, **options: object) -> tuple[PackageReader, list[StreamItem]]:
    reader = PackageReader(stix_1_2.BUNDLE, source, **options)  # type: ignore[arg-type]
    return reader, list(reader)


def test_streamed_lists_of_stix_package() -> None:
    names = [spec.name for spec in streamed_lists(stix_1_2.STIXPackage)]

    assert names == [
        "observables.observables",
        "indicators",
        "ttps.ttps",
        "ttps.kill_chains",
        "exploit_targets",
        "incidents",
        "courses_of_action",
        "campaigns",
        "threat_actors",
        "reports",
        "related_packages.related_packages",
    ]


def test_iterparse_yields_typed_objects_in_order() -> None:
    reader = stix_1_2.iterparse(SAMPLE)
    items = list(reader)

    assert [item.name for item in items] == [
        "observables.observables",
        "observables.observables",
        "indicators",
        "indicators",
        "ttps.ttps",
        "ttps.kill_chains",
    ]
    assert [type(item.object).__name__ for item in items] == [
        "Observable",
        "Observable",
        "Indicator",
        "Indicator",
        "TTP",
        "KillChain",
    ]
    assert isinstance(items[2].object, stix_1_2.Indicator)
    assert items[3].object.title == "Indicator 2"
    assert items[4].object.title == "Phishing"
    assert items[5].object.name == "Chain"


def test_iterparse_objects_stand_alone() -> None:
    _, items = read_all(SAMPLE)
    indicator_object = items[2].object

    assert indicator_object.element.getparent() is None
    assert indicator_object.xsi_type == "{http://stix.mitre.org/Indicator-2}IndicatorType"
    original = etree.fromstring(SAMPLE).find(".//{http://stix.mitre.org/stix-1}Indicator")
    assert original is not None
    assert indicator_object.element.sourceline == original.sourceline == 9
    # `stix:Indicator` is not a global element, so the object is checked with lxml.
    written = etree.fromstring(indicator_object.to_bytes())
    assert written.nsmap["indicator"] == "http://stix.mitre.org/Indicator-2"
    assert written.findtext("{http://stix.mitre.org/Indicator-2}Title") == "Indicator 1"


def test_iterparse_root_keeps_the_rest() -> None:
    reader, items = read_all(SAMPLE)

    assert len(items) == 6
    assert reader.complete
    root = reader.root
    assert isinstance(root, stix_1_2.STIXPackage)
    assert root.id_ == "example:Package-1"
    assert root.stix_header.title == "Feed"
    assert root.observables.cybox_major_version == "2"
    assert len(root.indicators) == 0
    assert len(root.ttps.ttps) == 0


def test_iterparse_reads_a_document_once() -> None:
    reader, _ = read_all(SAMPLE)

    with pytest.raises(RuntimeError, match="once"):
        iter(reader)


@pytest.mark.parametrize("chunk_bytes", [7, 100, 1 << 20])
def test_copy_through_reader_and_writer_is_lossless(chunk_bytes: int) -> None:
    reader = PackageReader(stix_1_2.BUNDLE, SAMPLE, chunk_bytes=chunk_bytes)
    out = io.BytesIO()

    stix_1_2.write_package(out, reader, reader)

    assert compare_documents(SAMPLE, out.getvalue()) == []


@pytest.mark.parametrize(
    "relative",
    [
        "idioms/documentation_idioms_kill-chain_kill-chain.xml",
        "schemas-samples-1.2/Poison_Ivy_fireeye-pivy-report-with-indicators.xml",
        "schemas-samples-1.2/APT1_Appendix_G_IOCs_No_OpenIOC.xml",
        "schemas-samples-1.2/STIX_Email_wAttachment.xml",
    ],
)
def test_copy_of_corpus_document_is_lossless(relative: str) -> None:
    path = corpus_file(relative)
    reader = stix_1_2.iterparse(path)
    out = io.BytesIO()

    stix_1_2.write_package(out, reader, reader)

    assert compare_documents(path.read_bytes(), out.getvalue()) == []
    assert len(out.getvalue()) < 1.05 * path.stat().st_size, "repeated namespace declarations"


def test_copy_to_path_with_changes(tmp_path: Path) -> None:
    reader = stix_1_2.iterparse(SAMPLE)
    target = tmp_path / "out.xml"

    def retitled(items: PackageReader) -> object:
        for item in items:
            if isinstance(item.object, stix_1_2.Indicator):
                item.object.title = f"Checked: {item.object.title}"
            yield item

    stix_1_2.write_package(target, reader, retitled(reader))  # type: ignore[arg-type]

    written = stix_1_2.parse(target)
    assert [entry.title for entry in written.indicators] == ["Checked: Indicator 1", "Checked: Indicator 2"]
    assert written.stix_header.title == "Feed"


def test_reader_memory_stays_bounded() -> None:
    document = package(
        "  <stix:Indicators>\n" + "\n".join(f"    {indicator(number)}" for number in range(2000)) + "\n  </stix:Indicators>"
    )
    reader = PackageReader(stix_1_2.BUNDLE, document, chunk_bytes=1024)

    largest = 0
    count = 0
    for _ in reader:
        assert reader.root is not None
        largest = max(largest, sum(1 for _ in reader.root.element.iter()))
        count += 1

    assert count == 2000
    # The root, the header and its title, the wrapper, and at most the
    # indicators that one 1 KiB part holds (about 10 elements each).
    assert largest < 60


def test_write_package_from_new_objects() -> None:
    header = stix_1_2.STIXPackage(id_="example:Package-2", version="1.2")
    header.stix_header = stix_1_2.STIXHeader(title="Produced")
    objects = [
        stix_1_2.Indicator(id_="example:indicator-1", title="First"),
        stix_1_2.Indicator(id_="example:indicator-2", title="Second"),
        stix_1_2.TTP(id_="example:ttp-1", title="Technique"),
        StreamItem("ttps.kill_chains", stix_1_2.KillChain(id_="example:kill-chain-1", name="Chain")),
    ]
    out = io.BytesIO()

    stix_1_2.write_package(out, header, objects)

    written = stix_1_2.parse(out.getvalue())
    assert written.stix_header.title == "Produced"
    assert [entry.title for entry in written.indicators] == ["First", "Second"]
    assert isinstance(written.indicators[0], stix_1_2.Indicator)
    assert [entry.title for entry in written.ttps.ttps] == ["Technique"]
    assert [chain.name for chain in written.ttps.kill_chains] == ["Chain"]


def test_write_package_keeps_objects_the_package_holds() -> None:
    package_object = stix_1_2.STIXPackage(id_="example:Package-3", version="1.2")
    package_object.indicators.append(stix_1_2.Indicator(id_="example:indicator-0", title="Held"))
    out = io.BytesIO()

    stix_1_2.write_package(out, package_object, [stix_1_2.Indicator(id_="example:indicator-1", title="Added")])

    written = stix_1_2.parse(out.getvalue())
    assert [entry.title for entry in written.indicators] == ["Held", "Added"]


def test_write_package_rejects_list_out_of_order() -> None:
    objects = [
        stix_1_2.TTP(id_="example:ttp-1"),
        stix_1_2.Indicator(id_="example:indicator-1"),
    ]

    with pytest.raises(SerializationError, match="indicators comes after that list was written"):
        stix_1_2.write_package(io.BytesIO(), stix_1_2.STIXPackage(), objects)


def test_write_package_rejects_unknown_list() -> None:
    with pytest.raises(SerializationError, match="no top-level list 'nothing'"):
        stix_1_2.write_package(io.BytesIO(), stix_1_2.STIXPackage(), [StreamItem("nothing", stix_1_2.TTP())])


def test_write_package_rejects_object_that_fits_no_list() -> None:
    with pytest.raises(SerializationError, match="fits none"):
        stix_1_2.write_package(io.BytesIO(), stix_1_2.STIXPackage(), [stix_1_2.STIXHeader()])


def test_strict_error_names_the_position_in_the_document() -> None:
    bad = indicator(3, "<indicator:Unknown/>")
    document = package(f"  <stix:Indicators>\n    {indicator(1)}\n    {indicator(2)}\n    {bad}\n  </stix:Indicators>")
    reader = stix_1_2.iterparse(document)
    seen = []

    with pytest.raises(UnexpectedContentError) as raised:
        for item in reader:
            seen.append(item.object.id_)

    assert seen == ["example:indicator-1", "example:indicator-2"]
    assert raised.value.line == 7
    assert raised.value.path == "/stix:STIX_Package/stix:Indicators[1]/stix:Indicator[3]/indicator:Unknown[1]"


def test_lenient_reader_warns_and_keeps_content(caplog: pytest.LogCaptureFixture) -> None:
    document = package(f"  <stix:Indicators>\n    {indicator(1, '<indicator:Unknown/>')}\n  </stix:Indicators>")

    with caplog.at_level(logging.WARNING, logger="generated"):
        _, items = read_all(document, strict=False)

    assert len(items) == 1
    assert items[0].object.element.find("{http://stix.mitre.org/Indicator-2}Unknown") is not None
    assert "unexpected element indicator:Unknown" in caplog.text


@pytest.mark.parametrize("chunk_bytes", [7, 1 << 20])
def test_text_between_objects_is_checked(chunk_bytes: int) -> None:
    # With small parts the text is read after the first indicator was taken out,
    # with one part before.
    document = package(f"  <stix:Indicators>\n    {indicator(1)} stray text {indicator(2)}\n  </stix:Indicators>")

    with pytest.raises(UnexpectedContentError, match="unexpected text 'stray text' in element stix:Indicators"):
        read_all(document, chunk_bytes=chunk_bytes)


def test_header_error_is_raised_when_the_document_ends() -> None:
    document = package(f"  <stix:Indicators>{indicator(1)}</stix:Indicators>", header="<stix:Unknown/>")
    reader = stix_1_2.iterparse(document)
    iterator = iter(reader)

    first = next(iterator)
    assert first.object.id_ == "example:indicator-1"
    with pytest.raises(UnexpectedContentError, match="unexpected element stix:Unknown"):
        next(iterator)
    assert not reader.complete


def test_reader_rejects_unknown_root() -> None:
    with pytest.raises(UnknownRootError, match="not a global element"):
        read_all(b"<unknown/>")


def test_reader_rejects_doctype() -> None:
    document = b'<!DOCTYPE x [<!ENTITY e "boom">]>' + package("").split(b"\n", 1)[1]

    with pytest.raises(ForbiddenXMLError, match="DOCTYPE"):
        read_all(document)


def test_reader_rejects_malformed_xml() -> None:
    with pytest.raises(MalformedXMLError, match="not well-formed"):
        read_all(package("<stix:Indicators>")[:-40])


def test_reader_reads_path_and_file_object(tmp_path: Path) -> None:
    path = tmp_path / "sample.xml"
    path.write_bytes(SAMPLE)

    from_path = [item.name for item in stix_1_2.iterparse(path)]
    with path.open("rb") as handle:
        from_file = [item.name for item in stix_1_2.iterparse(handle)]
    from_text = [item.name for item in stix_1_2.iterparse(SAMPLE.decode())]

    assert from_path == from_file == from_text
    assert len(from_path) == 6


def test_written_package_declares_namespaces_once() -> None:
    reader = stix_1_2.iterparse(SAMPLE)
    out = io.BytesIO()

    stix_1_2.write_package(out, reader, reader)

    root = etree.fromstring(out.getvalue())
    own_declarations = [
        element.tag
        for element in root.iter("{http://stix.mitre.org/stix-1}Indicator")
        if element.nsmap != root.nsmap
    ]
    assert own_declarations == []
    assert out.getvalue().count(b'xmlns:stix="') == 1
