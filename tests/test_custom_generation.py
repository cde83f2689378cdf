"""Generating bindings from a user's own XSD folder, manifest, package name and templates."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import bundles, cli, load, manifest_tool
from generator.infoset import compare_documents
from generator.load import SchemaLoadError, read_schema_file_info, rename_namespaces
from tests.conftest import REPOSITORY

NOTES_XSD = """
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:note="urn:example:notes"
               targetNamespace="urn:example:notes" elementFormDefault="qualified">
      <xs:element name="Note_Book" type="note:NoteBookType"/>
      <xs:complexType name="NoteBookType">
        <xs:annotation>
          <xs:documentation>A book of field notes.</xs:documentation>
        </xs:annotation>
        <xs:sequence>
          <xs:element name="Title" type="xs:string" minOccurs="0"/>
          <xs:element name="Note" type="note:NoteType" minOccurs="0" maxOccurs="unbounded"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="NoteType">
        <xs:sequence>
          <xs:element name="Body" type="xs:string"/>
        </xs:sequence>
        <xs:attribute name="priority" type="xs:int"/>
      </xs:complexType>
    </xs:schema>
"""

NOTES_MANIFEST = """
    [bundle]
    name = "notes-1.0"
    version = "1.0"
    package = "notes_1_0"
    entry = ["notes.xsd"]

    [modules]
    "urn:example:notes" = "notes"

    [prefixes]
    "urn:example:notes" = "note"
"""

NOTES_DOCUMENT = """\
<note:Note_Book xmlns:note="urn:example:notes">
  <note:Title>Visit</note:Title>
  <note:Note priority="02"><note:Body>Check the proxy logs.</note:Body></note:Note>
  <note:Note><note:Body>Rotate the keys.</note:Body></note:Note>
</note:Note_Book>
"""

TEMPLATE_MARK = "# Reviewed by the example.org bindings team."


@pytest.fixture
def notes_bundle(tmp_path: Path) -> tuple[Path, Path]:
    """Write the notes schema and its manifest; return (manifest folder, XSD folder)."""
    xsd_dir = tmp_path / "schemas" / "xsd"
    xsd_dir.mkdir(parents=True)
    (xsd_dir / "notes.xsd").write_text(textwrap.dedent(NOTES_XSD).strip() + "\n", encoding="utf-8")

    manifest_dir = tmp_path / "schemas" / "notes"
    manifest_dir.mkdir()
    (manifest_dir / "manifest.toml").write_text(textwrap.dedent(NOTES_MANIFEST).lstrip(), encoding="utf-8")
    return manifest_dir, xsd_dir


@pytest.fixture
def packages_dir(tmp_path: Path) -> Iterator[Path]:
    """Folder on sys.path for generated packages; they are unloaded after the test."""
    folder = tmp_path / "packages"
    folder.mkdir()
    sys.path.insert(0, str(folder))
    loaded_before = set(sys.modules)
    yield folder

    sys.path.remove(str(folder))
    for name in set(sys.modules) - loaded_before:
        if getattr(sys.modules[name], "__file__", "") and str(folder) in str(sys.modules[name].__file__):
            del sys.modules[name]


def _generate(manifest: Path, xsd_dir: Path, output: Path, *extra: str) -> int:
    arguments = ["generate", "--bundle", str(manifest), "--xsd-dir", str(xsd_dir)]
    arguments += ["--package", output.name, "--output", str(output), *extra]
    return cli.main(arguments)


def test_generate_from_own_xsd_folder(
    notes_bundle: tuple[Path, Path], packages_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest_dir, xsd_dir = notes_bundle
    output = packages_dir / "field_notes"

    status = _generate(manifest_dir / "manifest.toml", xsd_dir, output)

    assert status == cli.EXIT_OK, capsys.readouterr()
    assert sorted(path.name for path in output.glob("*.py")) == ["__init__.py", "_bundle.py", "notes.py"]
    # The third class is the one for xs:anyType, which every bundle has.
    assert "notes-1.0: 1 schema files, 1 modules, 3 classes" in capsys.readouterr().out

    package = importlib.import_module("field_notes")
    book = package.parse(NOTES_DOCUMENT)
    assert type(book) is package.NoteBook
    assert book.title == "Visit"
    assert [note.priority for note in book.notes] == [2, None]
    assert compare_documents(NOTES_DOCUMENT.encode("utf-8"), book.to_bytes()) == []

    created = package.NoteBook(title="New")
    created.notes.append(package.Note(body="First", priority=1))
    assert created.to_xml() == (
        '<note:Note_Book xmlns:note="urn:example:notes"><note:Title>New</note:Title>'
        '<note:Note priority="1"><note:Body>First</note:Body></note:Note></note:Note_Book>'
    )


def test_own_package_check_mode(
    notes_bundle: tuple[Path, Path], packages_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest_dir, xsd_dir = notes_bundle
    output = packages_dir / "field_notes"
    assert _generate(manifest_dir, xsd_dir, output) == cli.EXIT_OK

    up_to_date = _generate(manifest_dir, xsd_dir, output, "--check")
    (output / "notes.py").write_text("# edited\n", encoding="utf-8")
    stale = _generate(manifest_dir, xsd_dir, output, "--check")

    printed = capsys.readouterr().out
    assert up_to_date == cli.EXIT_OK
    assert stale == cli.EXIT_FAILED
    assert "\n  notes.py\n" in printed


def test_templates_override_built_ins_by_name(
    notes_bundle: tuple[Path, Path], packages_dir: Path, tmp_path: Path
) -> None:
    manifest_dir, xsd_dir = notes_bundle
    built_in = (REPOSITORY / "templates" / "package.py.jinja").read_text(encoding="utf-8")
    header_end = built_in.index("\nfrom __future__")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "package.py.jinja").write_text(
        built_in[:header_end] + "\n" + TEMPLATE_MARK + built_in[header_end:], encoding="utf-8"
    )
    plain = packages_dir / "plain_notes"
    reviewed = packages_dir / "reviewed_notes"

    assert _generate(manifest_dir, xsd_dir, plain) == cli.EXIT_OK
    assert _generate(manifest_dir, xsd_dir, reviewed, "--templates", str(templates)) == cli.EXIT_OK

    assert TEMPLATE_MARK in (reviewed / "__init__.py").read_text(encoding="utf-8")
    assert TEMPLATE_MARK not in (plain / "__init__.py").read_text(encoding="utf-8")
    # Templates that the folder does not contain are the built-in ones.
    for name in ("_bundle.py", "notes.py"):
        plain_text = (plain / name).read_text(encoding="utf-8")
        assert (reviewed / name).read_text(encoding="utf-8") == plain_text.replace("plain_notes", "reviewed_notes")
    package = importlib.import_module("reviewed_notes")
    assert package.parse(NOTES_DOCUMENT).title == "Visit"


def test_invalid_package_name_is_rejected(
    notes_bundle: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest_dir, xsd_dir = notes_bundle

    status = _generate(manifest_dir, xsd_dir, tmp_path / "field-notes")

    assert status == cli.EXIT_UNUSABLE
    assert "package name 'field-notes' is not a Python identifier" in capsys.readouterr().err
    assert not (tmp_path / "field-notes").exists()


# Namespaces renamed on loading, as STIX 1.2.1 needs for its MAEC schemas

RENAMED_CORE = """
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:core="urn:example:core-2"
               targetNamespace="urn:example:core-2" elementFormDefault="qualified">
      <xs:complexType name="ThingType">
        <xs:sequence>
          <xs:element name="Name" type="xs:string"/>
        </xs:sequence>
      </xs:complexType>
    </xs:schema>
"""

# Imports the core under its old namespace from the file that declares the new one.
RENAMED_EXTENSION = """
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:core="urn:example:old-core-1"
               xmlns:ext="urn:example:ext" targetNamespace="urn:example:ext" elementFormDefault="qualified">
      <!-- The import below names "urn:example:old-core-1". -->
      <xs:import namespace="urn:example:old-core-1" schemaLocation="../core/core.xsd"/>
      <xs:element name="Wrapper">
        <xs:annotation>
          <xs:documentation>Refers to namespace="urn:example:old-core-1" in its text.</xs:documentation>
        </xs:annotation>
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Thing" type="core:ThingType"/>
            <xs:any namespace="urn:example:old-core-1" minOccurs="0"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
    </xs:schema>
"""

RENAMED_DOCUMENT = """\
<ext:Wrapper xmlns:ext="urn:example:ext" xmlns:core="urn:example:core-2">
  <ext:Thing><core:Name>lamp</core:Name></ext:Thing>
</ext:Wrapper>
"""


def _write_renamed_bundle(root: Path, renamed: bool) -> tuple[Path, Path]:
    xsd_dir = root / "xsd"
    for path, text in {"core/core.xsd": RENAMED_CORE, "ext/ext.xsd": RENAMED_EXTENSION}.items():
        (xsd_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (xsd_dir / path).write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")

    table = '[renamed]\n"urn:example:old-core-1" = "urn:example:core-2"\n' if renamed else ""
    manifest = root / "manifest.toml"
    manifest.write_text(
        '[bundle]\nname = "renamed-1"\nversion = "1"\npackage = "renamed_1"\nentry = ["ext/ext.xsd"]\n\n'
        + table
        + '\n[modules]\n"urn:example:core-2" = "core"\n"urn:example:ext" = "ext"\n',
        encoding="utf-8",
    )
    return manifest, xsd_dir


def test_rename_namespaces_changes_whole_attribute_values_only() -> None:
    text = textwrap.dedent(RENAMED_EXTENSION).encode("utf-8")

    renamed = rename_namespaces(text, {"urn:example:old-core-1": "urn:example:core-2"})

    assert renamed.count(b'"urn:example:core-2"') == 3
    assert b'xmlns:core="urn:example:core-2"' in renamed
    assert b'<xs:import namespace="urn:example:core-2" schemaLocation="../core/core.xsd"/>' in renamed
    assert b'<xs:any namespace="urn:example:core-2" minOccurs="0"/>' in renamed
    # The comment and the documentation text are not markup, so they keep the old name.
    assert b'<!-- The import below names "urn:example:old-core-1". -->' in renamed
    assert b'to namespace="urn:example:old-core-1" in its text.' in renamed


def test_renamed_namespace_loads_and_round_trips(tmp_path: Path, packages_dir: Path) -> None:
    manifest_path, xsd_dir = _write_renamed_bundle(tmp_path, renamed=True)
    manifest = bundles.read_manifest(manifest_path)

    loaded = load.load_bundle(manifest, xsd_dir)
    status = _generate(manifest_path, xsd_dir, packages_dir / "renamed_things")

    assert status == cli.EXIT_OK
    assert loaded.namespace_files == {"urn:example:core-2": ("core/core.xsd",), "urn:example:ext": ("ext/ext.xsd",)}
    assert loaded.source_file(loaded.elements("urn:example:ext")["Wrapper"]) == "ext/ext.xsd"
    assert loaded.copy_dir is not None and not loaded.copy_dir.exists()
    package = importlib.import_module("renamed_things")
    wrapper = package.parse(RENAMED_DOCUMENT)
    assert wrapper.thing.name == "lamp"
    assert compare_documents(RENAMED_DOCUMENT.encode("utf-8"), wrapper.to_bytes()) == []


def test_import_of_undeclared_namespace_fails_without_rename(tmp_path: Path) -> None:
    manifest_path, xsd_dir = _write_renamed_bundle(tmp_path, renamed=False)
    manifest = bundles.read_manifest(manifest_path)

    with pytest.raises(SchemaLoadError, match="urn:example:old-core-1"):
        load.load_bundle(manifest, xsd_dir)


def test_manifest_tool_plans_rename_instead_of_skip(tmp_path: Path) -> None:
    _, xsd_dir = _write_renamed_bundle(tmp_path, renamed=True)
    files = {path: read_schema_file_info(xsd_dir, path) for path in bundles.list_xsd_files(xsd_dir)}

    layout = manifest_tool.plan_bundle("renamed-1", xsd_dir, files)

    assert layout.renamed == {"urn:example:old-core-1": "urn:example:core-2"}
    assert layout.skipped == {}


def test_manifest_tool_skips_import_of_remote_location(tmp_path: Path) -> None:
    _, xsd_dir = _write_renamed_bundle(tmp_path, renamed=True)
    extension = xsd_dir / "ext" / "ext.xsd"
    extension.write_text(
        extension.read_text(encoding="utf-8").replace("../core/core.xsd", "http://example.invalid/core.xsd"),
        encoding="utf-8",
    )
    files = {path: read_schema_file_info(xsd_dir, path) for path in bundles.list_xsd_files(xsd_dir)}

    layout = manifest_tool.plan_bundle("renamed-1", xsd_dir, files)

    assert layout.renamed == {}
    assert "urn:example:old-core-1" in layout.skipped["ext/ext.xsd"]
