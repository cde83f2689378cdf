"""The cache of built schemas: keys, reading back, and output equal to a fresh build."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from generator import schema_cache
from generator.build import documentation
from generator.bundles import load_manifest
from generator.load import load_bundle
from generator.pipeline import generate
from tests.xsd_harness import write_manifest, write_schemas

COLOURS = """
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:colours"
           xmlns="urn:colours" elementFormDefault="qualified">
  <xs:simpleType name="Colour">
    <xs:annotation><xs:documentation>A colour of the rainbow.</xs:documentation></xs:annotation>
    <xs:restriction base="xs:string">
      <xs:enumeration value="red"/>
      <xs:enumeration value="green"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:complexType name="PaletteType">
    <xs:annotation><xs:documentation>Colours in use.</xs:documentation></xs:annotation>
    <xs:sequence><xs:element name="Colour" type="Colour" maxOccurs="unbounded"/></xs:sequence>
  </xs:complexType>
  <xs:element name="Palette" type="PaletteType"/>
</xs:schema>
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of its own, which also caches builds of any duration."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(schema_cache.ENVIRONMENT_VARIABLE, str(folder))
    monkeypatch.setattr(schema_cache, "MIN_CACHED_BUILD_SECONDS", 0.0)
    return folder


def colours_manifest(folder: Path) -> Path:
    write_schemas(folder / "xsd", {"colours.xsd": COLOURS})
    return write_manifest(folder, name="colours", entry=["colours.xsd"], modules={"urn:colours": "colours"})


def test_key_follows_file_content(tmp_path: Path) -> None:
    write_schemas(tmp_path, {"a.xsd": COLOURS})
    first = schema_cache.cache_key("colours", tmp_path, ["umbrella"])

    assert schema_cache.cache_key("colours", tmp_path, ["umbrella"]) == first
    assert schema_cache.cache_key("colours", tmp_path, ["other umbrella"]) != first
    assert schema_cache.cache_key("other", tmp_path, ["umbrella"]) != first

    (tmp_path / "a.xsd").write_text(COLOURS.replace("red", "blue"), encoding="utf-8")
    changed = schema_cache.cache_key("colours", tmp_path, ["umbrella"])
    assert changed != first

    write_schemas(tmp_path, {"b.xsd": COLOURS})
    assert schema_cache.cache_key("colours", tmp_path, ["umbrella"]) not in (first, changed)


def test_second_load_reads_the_cache(cache_dir: Path) -> None:
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"answer": 42}

    first, first_cached = schema_cache.load_or_build(cache_dir, "bundle", "k1", build)
    second, second_cached = schema_cache.load_or_build(cache_dir, "bundle", "k1", build)

    assert first == second == {"answer": 42}
    assert (first_cached, second_cached) == (False, True)
    assert len(builds) == 1


def test_unreadable_entry_is_built_again(cache_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache_dir.mkdir()
    (cache_dir / "bundle-k1.pickle").write_bytes(b"not a pickle")

    with caplog.at_level(logging.WARNING, logger="generator.schema_cache"):
        value, cached = schema_cache.load_or_build(cache_dir, "bundle", "k1", lambda: "fresh")

    assert (value, cached) == ("fresh", False)
    assert "building the schema again" in caplog.text
    assert schema_cache.load_or_build(cache_dir, "bundle", "k1", lambda: "other") == ("fresh", True)


def test_failed_build_writes_nothing(cache_dir: Path) -> None:
    def build() -> str:
        raise ValueError("broken schema")

    with pytest.raises(ValueError, match="broken schema"):
        schema_cache.load_or_build(cache_dir, "bundle", "k1", build)

    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []


def test_fast_build_is_not_cached(tmp_path: Path) -> None:
    folder = tmp_path / "cache"

    schema_cache.load_or_build(folder, "bundle", "k1", lambda: "quick")

    assert not folder.exists()


def test_newest_entries_are_kept(cache_dir: Path) -> None:
    for number in range(5):
        schema_cache.load_or_build(cache_dir, "bundle", f"k{number}", lambda: number)
        # Distinct times, older than the next write, whatever the file system's resolution.
        os.utime(cache_dir / f"bundle-k{number}.pickle", (1000 + number, 1000 + number))
    schema_cache.load_or_build(cache_dir, "other", "k0", lambda: "other bundle")

    kept = sorted(path.name for path in cache_dir.glob("bundle-*.pickle"))
    assert len(kept) == schema_cache.KEPT_ENTRIES
    assert "bundle-k4.pickle" in kept
    assert (cache_dir / "other-k0.pickle").is_file()


def test_cache_folder_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    default = tmp_path / "default"

    monkeypatch.delenv(schema_cache.ENVIRONMENT_VARIABLE, raising=False)
    assert schema_cache.cache_folder(default) == default
    monkeypatch.setenv(schema_cache.ENVIRONMENT_VARIABLE, str(tmp_path / "elsewhere"))
    assert schema_cache.cache_folder(default) == tmp_path / "elsewhere"
    monkeypatch.setenv(schema_cache.ENVIRONMENT_VARIABLE, "")
    assert schema_cache.cache_folder(default) is None


def test_cached_bundle_keeps_documentation(cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    manifest = load_manifest(colours_manifest(tmp_path / "bundle"))
    built = load_bundle(manifest)

    with caplog.at_level(logging.INFO, logger="generator.schema_cache"):
        cached = load_bundle(manifest)

    assert "read the built schema of bundle colours" in caplog.text
    colour = "{urn:colours}Colour"
    assert documentation(built.schema.maps.types[colour]) == "A colour of the rainbow."
    assert documentation(cached.schema.maps.types[colour]) == "A colour of the rainbow."
    assert cached.namespace_files == built.namespace_files


def test_cached_bundle_generates_the_same_files(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = load_manifest(colours_manifest(tmp_path / "bundle"))
    monkeypatch.setenv(schema_cache.ENVIRONMENT_VARIABLE, "")
    fresh = generate(manifest, package_name="colours")

    monkeypatch.setenv(schema_cache.ENVIRONMENT_VARIABLE, str(cache_dir))
    generate(manifest, package_name="colours")
    from_cache = generate(manifest, package_name="colours")

    assert len(list(cache_dir.glob("colours-*.pickle"))) == 1
    assert from_cache.files == fresh.files
    assert "A colour of the rainbow." in from_cache.files["colours.py"]


def test_component_state_matches_xmlschema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(schema_cache.ENVIRONMENT_VARIABLE, "")
    manifest = load_manifest(colours_manifest(tmp_path / "bundle"))
    schema = load_bundle(manifest).schema
    components = list(schema.maps.iter_components())

    differing = [
        repr(component)
        for component in components
        if schema_cache._component_state(component) != component.__getstate__()
    ]

    assert len(components) > 10
    assert differing == []
