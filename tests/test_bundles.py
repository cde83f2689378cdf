"""Tests for the bundle manifests, fetching and the offline schema loader.

Tests marked ``needs_distribution`` and those that use the ``fetched_1_2``
fixture need the installed stix-validator 3.0.0 distribution, which ships
the XSD files, and skip without it. Loading a whole bundle takes a few
seconds, so each bundle is loaded once per run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from generator import bundles, load, manifest_tool
from generator.bundles import (
    BundleError,
    ChecksumMismatchError,
    DistributionNotFoundError,
    Manifest,
    ManifestError,
)
from generator.load import LoadedBundle, LocationMapper, RemoteLocationError, SchemaLoadError

BUNDLE_NAMES = ["stix-1.0", "stix-1.0.1", "stix-1.1", "stix-1.1.1", "stix-1.2", "stix-1.2.1"]
MISSING_DISTRIBUTION = "stix-validator is not installed; run `pip install stix-validator==3.0.0` to run this test"
CIQ_XAL = "urn:oasis:names:tc:ciq:xal:3"
CPE_LANGUAGE = "http://cpe.mitre.org/language/2.0"


def _distribution_installed() -> bool:
    try:
        importlib.metadata.version("stix-validator")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


needs_distribution = pytest.mark.skipif(not _distribution_installed(), reason=MISSING_DISTRIBUTION)


def _raise_on_network_access(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError(f"network access attempted: {args!r}")


@contextlib.contextmanager
def _network_blocked() -> Iterator[None]:
    """Make every way to open a connection or resolve a host name raise."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _raise_on_network_access)
        patch.setattr(socket.socket, "connect_ex", _raise_on_network_access)
        patch.setattr(socket, "create_connection", _raise_on_network_access)
        patch.setattr(socket, "getaddrinfo", _raise_on_network_access)
        patch.setattr("urllib.request.urlopen", _raise_on_network_access)
        yield


@pytest.fixture(scope="session")
def loaded_bundles() -> dict[str, LoadedBundle]:
    """Cache of bundles already loaded in this test run, by name."""
    return {}


def _load_offline(
    name: str, cache: dict[str, LoadedBundle], tmp_path_factory: pytest.TempPathFactory
) -> LoadedBundle:
    if name not in cache:
        manifest = bundles.load_manifest(name)
        xsd_dir = bundles.fetch(manifest, tmp_path_factory.mktemp(name) / "xsd")

        with _network_blocked():
            cache[name] = load.load_bundle(manifest, xsd_dir)

    return cache[name]


@pytest.fixture
def manifest_1_2() -> Manifest:
    return bundles.load_manifest("stix-1.2")


@pytest.fixture
def fetched_1_2(manifest_1_2: Manifest, tmp_path: Path) -> Path:
    if not _distribution_installed():
        pytest.skip(MISSING_DISTRIBUTION)
    return bundles.fetch(manifest_1_2, tmp_path / "xsd")


# Manifests


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_manifest_reads_bundle_fields(name: str) -> None:
    manifest = bundles.load_manifest(name)
    version = name.removeprefix("stix-")

    assert manifest.name == name
    assert manifest.version == version
    assert manifest.package == "stix_" + version.replace(".", "_")
    assert manifest.distribution == "stix-validator"
    assert manifest.distribution_version == "3.0.0"
    assert manifest.path == f"sdv/resources/xsd/stix_{version}"
    assert manifest.root == bundles.SCHEMAS_DIR / name
    assert len(manifest.entry) == 2
    assert all(path in manifest.loaded_files for path in manifest.entry)
    assert set(manifest.modules) == set(manifest.prefixes)
    assert all(reason for reason in manifest.skipped.values())


def test_manifest_1_2_lists_163_files(manifest_1_2: Manifest) -> None:
    assert len(manifest_1_2.files) == 163
    assert manifest_1_2.entry == ("stix_core.xsd", "cybox/cybox_core.xsd")
    assert manifest_1_2.package == "stix_1_2"


def test_manifest_1_2_duplicate_choices(manifest_1_2: Manifest) -> None:
    assert manifest_1_2.locations[CIQ_XAL] == "external/oasis_ciq_3.0/xAL.xsd"
    assert manifest_1_2.locations["http://www.w3.org/1999/xlink"] == "external/oasis_ciq_3.0/xlink-2003-12-31.xsd"
    assert manifest_1_2.locations[CPE_LANGUAGE] == "cybox/external/cpe_2.3/cpe-language_2.3.xsd"
    assert "external/cvrf_1.1/cpe-language_2.2a.xsd" in manifest_1_2.skipped
    assert "cybox/external/oasis_ciq_3.0/xAL.xsd" in manifest_1_2.skipped
    assert "external/oasis_ciq_3.0/xAL-types.xsd" not in manifest_1_2.skipped
    assert "external/cvrf_1.1/xml.xsd" in manifest_1_2.skipped
    assert "cybox/external/cpe_2.3/xml.xsd" in manifest_1_2.skipped


def test_manifest_1_2_module_and_prefix_names(manifest_1_2: Manifest) -> None:
    modules = manifest_1_2.modules
    prefixes = manifest_1_2.prefixes

    assert modules["http://stix.mitre.org/stix-1"] == "stix_core"
    assert modules["http://stix.mitre.org/common-1"] == "stix_common"
    assert modules["http://stix.mitre.org/Indicator-2"] == "indicator"
    assert modules["http://cybox.mitre.org/objects#FileObject-2"] == "file_object"
    assert modules["http://cybox.mitre.org/objects#WinRegistryKeyObject-2"] == "win_registry_key_object"
    assert modules["http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1"] == "tlp_marking"
    assert modules[CIQ_XAL] == "ciq_xal"
    assert prefixes["http://stix.mitre.org/stix-1"] == "stix"
    assert prefixes["http://stix.mitre.org/common-1"] == "stixCommon"
    assert prefixes["http://cybox.mitre.org/objects#FileObject-2"] == "FileObj"
    assert prefixes[CIQ_XAL] == "xal"


def test_manifest_1_2_1_renames_mitre_cybox_imports() -> None:
    manifest = bundles.load_manifest("stix-1.2.1")

    assert manifest.entry == ("core.xsd", "cybox/core.xsd")
    assert manifest.renamed["http://cybox.mitre.org/cybox-2"] == "http://docs.oasis-open.org/cti/ns/cybox/core-2"
    assert manifest.renamed["http://cybox.mitre.org/common-2"] == "http://docs.oasis-open.org/cti/ns/cybox/common-2"
    assert "external/maec_4.1/maec_bundle_schema.xsd" in manifest.loaded_files
    assert "extensions/malware/maec-4.1-malware.xsd" in manifest.loaded_files
    assert "external/capec_2.7/ap_schema_v2.7.xsd" in manifest.loaded_files
    assert manifest.modules["http://maec.mitre.org/XMLSchema/maec-package-2"] == "maec_package"


def test_manifest_1_2_has_no_renames(manifest_1_2: Manifest) -> None:
    assert dict(manifest_1_2.renamed) == {}


@needs_distribution
@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_manifest_matches_tool_output(name: str) -> None:
    manifest = bundles.load_manifest(name)
    folder = bundles.distribution_xsd_dir(manifest)

    generated = manifest_tool.build_manifest_text(name, folder)

    assert generated == (manifest.root / bundles.MANIFEST_NAME).read_text(encoding="utf-8")
    assert sorted(manifest.files) == bundles.list_xsd_files(folder)


def test_find_manifest_by_name_folder_and_file(tmp_path: Path) -> None:
    by_name = bundles.find_manifest("stix-1.2")
    assert by_name == bundles.SCHEMAS_DIR / "stix-1.2" / "manifest.toml"
    assert bundles.find_manifest(by_name.parent) == by_name
    assert bundles.find_manifest(by_name) == by_name

    with pytest.raises(ManifestError, match="manifest not found"):
        bundles.find_manifest("stix-9.9")
    with pytest.raises(ManifestError, match="manifest not found"):
        bundles.find_manifest(tmp_path)


def test_read_manifest_rejects_bad_values(tmp_path: Path) -> None:
    cases = {
        "reserved module": ('"urn:a" = "runtime"', "modules", "reserved"),
        "keyword module": ('"urn:a" = "class"', "modules", "keyword"),
        "underscore module": ('"urn:a" = "_private"', "modules", "reserved"),
        "invalid module": ('"urn:a" = "File-Object"', "modules", "identifier"),
        "duplicate module": ('"urn:a" = "same"\n"urn:b" = "same"', "modules", "used for both"),
        "duplicate prefix": ('"urn:a" = "p"\n"urn:b" = "p"', "prefixes", "used for both"),
        "parent path": ('"../a.xsd" = "why"', "skipped", "may not contain"),
    }

    for label, (body, table, message) in cases.items():
        path = tmp_path / label.replace(" ", "_") / "manifest.toml"
        path.parent.mkdir()
        path.write_text(
            f'[bundle]\nname = "x"\nversion = "1"\npackage = "x"\nentry = ["a.xsd"]\n\n[{table}]\n{body}\n',
            encoding="utf-8",
        )

        with pytest.raises(ManifestError, match=message):
            bundles.read_manifest(path)


# Fetching


def test_fetch_copies_and_verifies_every_file(manifest_1_2: Manifest, fetched_1_2: Path) -> None:
    copied = bundles.list_xsd_files(fetched_1_2)

    assert copied == sorted(manifest_1_2.files)
    for name, digest in manifest_1_2.files.items():
        assert bundles.sha256_file(fetched_1_2 / name) == digest
    bundles.verify_files(manifest_1_2, fetched_1_2)


def test_verify_rejects_corrupted_copy(manifest_1_2: Manifest, fetched_1_2: Path) -> None:
    corrupted = fetched_1_2 / "indicator.xsd"
    corrupted.write_bytes(corrupted.read_bytes() + b"<!-- changed -->")
    actual = bundles.sha256_file(corrupted)

    with pytest.raises(ChecksumMismatchError) as caught:
        bundles.verify_files(manifest_1_2, fetched_1_2)

    assert caught.value.path == corrupted
    assert caught.value.expected == manifest_1_2.files["indicator.xsd"]
    assert caught.value.actual == actual
    assert "indicator.xsd" in str(caught.value)
    assert manifest_1_2.files["indicator.xsd"] in str(caught.value)
    assert actual in str(caught.value)


def test_load_rejects_corrupted_copy(manifest_1_2: Manifest, fetched_1_2: Path) -> None:
    corrupted = fetched_1_2 / "ttp.xsd"
    corrupted.write_bytes(corrupted.read_bytes().replace(b"TTPType", b"TTPTypo", 1))

    with pytest.raises(SchemaLoadError, match="checksum mismatch for .*ttp.xsd"):
        load.load_bundle(manifest_1_2, fetched_1_2)


def test_fetch_rejects_corrupted_source(manifest_1_2: Manifest, fetched_1_2: Path, tmp_path: Path) -> None:
    corrupted = fetched_1_2 / "stix_core.xsd"
    corrupted.write_bytes(b"<xs:schema/>")
    destination = tmp_path / "copy"

    with pytest.raises(ChecksumMismatchError, match="stix_core.xsd"):
        bundles.fetch(manifest_1_2, destination, source=fetched_1_2)

    assert not (destination / "stix_core.xsd").exists()


def test_fetch_without_distribution_names_pip_command(
    manifest_1_2: Manifest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(name: str) -> NoReturn:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)

    with pytest.raises(DistributionNotFoundError, match=r"pip install stix-validator==3\.0\.0"):
        bundles.fetch(manifest_1_2, tmp_path / "xsd")

    assert not (tmp_path / "xsd").exists()


# Loading


@pytest.mark.slow
@needs_distribution
@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_load_bundle_offline(
    name: str, loaded_bundles: dict[str, LoadedBundle], tmp_path_factory: pytest.TempPathFactory
) -> None:
    loaded = _load_offline(name, loaded_bundles, tmp_path_factory)
    manifest = loaded.manifest
    files = sorted(path for paths in loaded.namespace_files.values() for path in paths)

    assert files == list(manifest.loaded_files)
    assert set(loaded.namespaces) == set(manifest.modules)
    assert set(loaded.namespaces) == set(manifest.prefixes)
    assert loaded.type_count > 1000
    assert loaded.element_count > 200
    assert loaded.schema.maps.namespaces[load.XML_NAMESPACE][-1].url == load.XML_SCHEMA_URI


def _component_names(loaded: LoadedBundle) -> dict[str, list[str]]:
    maps = loaded.schema.maps
    return {
        "types": sorted(maps.types),
        "elements": sorted(maps.elements),
        "attributes": sorted(maps.attributes),
        "groups": sorted(maps.groups),
        "attribute groups": sorted(maps.attribute_groups),
    }


@pytest.mark.slow
@needs_distribution
@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_bundle_files_pass_meta_schema(
    name: str, loaded_bundles: dict[str, LoadedBundle], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A bundle under schemas/ is built without xmlschema's meta-schema check
    # once its checksums match. This strict build, where any error in any file
    # raises, is what makes skipping the check safe.
    fast = _load_offline(name, loaded_bundles, tmp_path_factory)
    with _network_blocked():
        strict = load.load_bundle(fast.manifest, fast.xsd_dir, validate_schemas=True)

    assert fast.schema.validation == "skip"
    assert strict.schema.validation == "strict"
    assert strict.schema.maps.validity == "valid"
    assert _component_names(strict) == _component_names(fast)
    assert strict.namespace_files == fast.namespace_files


@needs_distribution
def test_load_1_2_every_file_once(
    loaded_bundles: dict[str, LoadedBundle], tmp_path_factory: pytest.TempPathFactory
) -> None:
    loaded = _load_offline("stix-1.2", loaded_bundles, tmp_path_factory)
    schema_urls = [
        schema.url
        for schema in loaded.schema.maps.iter_schemas()
        if schema.url and schema.url.startswith(loaded.xsd_dir.as_uri())
    ]

    assert len(schema_urls) == 150
    assert len(set(schema_urls)) == 150
    assert len(loaded.namespaces) == 146
    assert loaded.namespace_files[CIQ_XAL] == (
        "external/oasis_ciq_3.0/xAL-types.xsd",
        "external/oasis_ciq_3.0/xAL.xsd",
    )
    assert loaded.namespace_files[CPE_LANGUAGE] == ("cybox/external/cpe_2.3/cpe-language_2.3.xsd",)
    assert not any("cybox/external/oasis_ciq_3.0" in url for url in schema_urls)


@needs_distribution
def test_load_1_2_component_source_files(
    loaded_bundles: dict[str, LoadedBundle], tmp_path_factory: pytest.TempPathFactory
) -> None:
    loaded = _load_offline("stix-1.2", loaded_bundles, tmp_path_factory)
    indicator_type = loaded.types("http://stix.mitre.org/Indicator-2")["IndicatorType"]
    file_type = loaded.types("http://cybox.mitre.org/objects#FileObject-2")["FileObjectType"]
    package = loaded.elements("http://stix.mitre.org/stix-1")["STIX_Package"]

    assert loaded.source_file(indicator_type) == "indicator.xsd"
    assert loaded.source_file(file_type) == "cybox/objects/File_Object.xsd"
    assert loaded.source_file(package) == "stix_core.xsd"
    assert loaded.source_file(loaded.schema.maps.types["{http://www.w3.org/2001/XMLSchema}string"]) is None


def test_load_requires_fetched_folder(manifest_1_2: Manifest, tmp_path: Path) -> None:
    with pytest.raises(SchemaLoadError, match="fetch the bundle first"):
        load.load_bundle(manifest_1_2, tmp_path / "absent")


def test_location_mapper_rejects_unmapped_remote_url() -> None:
    mapper = LocationMapper({"http://example.invalid/mapped.xsd": "file:///local/mapped.xsd"})

    assert mapper("http://example.invalid/mapped.xsd") == "file:///local/mapped.xsd"
    assert mapper("relative.xsd") == "relative.xsd"
    with pytest.raises(RemoteLocationError, match="never downloads"):
        mapper("https://example.invalid/other.xsd")


# Custom bundles from a user-given folder


def _write_custom_bundle(root: Path, files: dict[str, str], extra_tables: str = "") -> Path:
    xsd_dir = root / "source"
    for name, text in files.items():
        path = xsd_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")

    manifest_path = root / "bundle" / "manifest.toml"
    manifest_path.parent.mkdir(parents=True)
    manifest_path.write_text(
        textwrap.dedent(
            """
            [bundle]
            name = "custom"
            version = "0.1"
            package = "custom_0_1"
            entry = ["main.xsd"]
            """
        )
        + extra_tables,
        encoding="utf-8",
    )
    return xsd_dir


CUSTOM_MAIN = """
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:lib="urn:example:lib"
               targetNamespace="urn:example:main" elementFormDefault="qualified">
      <xs:import namespace="urn:example:lib" schemaLocation="http://example.invalid/lib.xsd"/>
      <xs:element name="Main" type="lib:ThingType"/>
    </xs:schema>
"""

CUSTOM_LIB = """
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:example:lib">
      <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="http://www.w3.org/2001/xml.xsd"/>
      <xs:complexType name="ThingType">
        <xs:attribute ref="xml:lang"/>
      </xs:complexType>
    </xs:schema>
"""


def test_custom_bundle_loads_from_user_folder(tmp_path: Path) -> None:
    xsd_dir = _write_custom_bundle(tmp_path, {"main.xsd": CUSTOM_MAIN, "lib/lib.xsd": CUSTOM_LIB})
    manifest = bundles.read_manifest(tmp_path / "bundle" / "manifest.toml")

    fetched = bundles.fetch(manifest, tmp_path / "fetched", source=xsd_dir)
    with _network_blocked():
        loaded = load.load_bundle(manifest, fetched)

    assert bundles.list_xsd_files(fetched) == ["lib/lib.xsd", "main.xsd"]
    assert loaded.namespace_files == {"urn:example:lib": ("lib/lib.xsd",), "urn:example:main": ("main.xsd",)}
    assert loaded.source_file(loaded.elements("urn:example:main")["Main"]) == "main.xsd"


def test_custom_bundle_built_with_meta_schema(tmp_path: Path) -> None:
    xsd_dir = _write_custom_bundle(tmp_path, {"main.xsd": CUSTOM_MAIN, "lib/lib.xsd": CUSTOM_LIB})
    manifest = bundles.read_manifest(tmp_path / "bundle" / "manifest.toml")
    listed = dataclasses.replace(
        manifest, files={path: bundles.sha256_file(xsd_dir / path) for path in ("main.xsd", "lib/lib.xsd")}
    )

    # Checksums in a manifest outside schemas/ do not say that anyone built the files strictly.
    assert load.load_bundle(manifest, xsd_dir).schema.validation == "strict"
    assert load.load_bundle(listed, xsd_dir).schema.validation == "strict"


def test_custom_bundle_rejects_invalid_schema(tmp_path: Path) -> None:
    invalid = CUSTOM_LIB.replace("<xs:complexType", '<xs:complexType color="red"', 1)
    xsd_dir = _write_custom_bundle(tmp_path, {"main.xsd": CUSTOM_MAIN, "lib/lib.xsd": invalid})
    manifest = bundles.read_manifest(tmp_path / "bundle" / "manifest.toml")

    with pytest.raises(SchemaLoadError, match="color"):
        load.load_bundle(manifest, xsd_dir)


def test_custom_bundle_verifies_listed_checksums(tmp_path: Path) -> None:
    xsd_dir = _write_custom_bundle(
        tmp_path,
        {"main.xsd": CUSTOM_MAIN, "lib/lib.xsd": CUSTOM_LIB},
        extra_tables='\n[files]\n"main.xsd" = "' + "0" * 64 + '"\n',
    )
    manifest = bundles.read_manifest(tmp_path / "bundle" / "manifest.toml")

    with pytest.raises(ChecksumMismatchError, match="main.xsd"):
        bundles.fetch(manifest, tmp_path / "fetched", source=xsd_dir)


def test_custom_bundle_rejects_import_outside_bundle(tmp_path: Path) -> None:
    xsd_dir = _write_custom_bundle(tmp_path, {"main.xsd": CUSTOM_MAIN})
    manifest = bundles.read_manifest(tmp_path / "bundle" / "manifest.toml")

    expected_message = "urn:example:lib from http://example.invalid/lib.xsd"
    with _network_blocked(), pytest.raises(SchemaLoadError, match=expected_message):
        load.load_bundle(manifest, xsd_dir)


def test_custom_bundle_needs_location_for_split_namespace(tmp_path: Path) -> None:
    part = """
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:example:main">
          <xs:element name="{name}" type="xs:string"/>
        </xs:schema>
    """
    xsd_dir = _write_custom_bundle(
        tmp_path, {"main.xsd": part.format(name="A"), "other.xsd": part.format(name="B")}
    )
    manifest = bundles.read_manifest(tmp_path / "bundle" / "manifest.toml")

    with pytest.raises(SchemaLoadError, match="no entry in \\[locations\\]"):
        load.load_bundle(manifest, xsd_dir)


def test_bundle_errors_share_base_class() -> None:
    assert issubclass(SchemaLoadError, BundleError)
    assert issubclass(ChecksumMismatchError, BundleError)
    assert issubclass(DistributionNotFoundError, BundleError)
