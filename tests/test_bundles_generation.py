"""Generating the STIX bundles that are not committed, and the staleness check.

The bundles of STIX 1.0 to 1.1.1 are generated into a temporary folder,
imported under their own package names and used to round-trip the ramrod
documents of their release. A document's release comes from its root
element: the ``version`` attribute of a ``STIX_Package``, or the
``cybox_*_version`` attributes of a CybOX ``Observables`` root. A bundle's
CybOX release is the ``version`` of its CybOX core schema (CybOX 2.0 ships
with STIX 1.0, 2.0.1 with 1.0.1, and 2.1 with 1.1 and 1.1.1). Loading a
bundle with xmlschema takes several seconds, so each is generated once per
run.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree

from generated.runtime import InvalidValueError
from generator import bundles, cli, pipeline
from generator.bundles import Manifest
from generator.infoset import compare_documents
from generator.write import GENERATED_MARK, write_package
from tests.conftest import CORPUS, REPOSITORY, corpus_file

OLDER_BUNDLES = ["stix-1.0", "stix-1.0.1", "stix-1.1", "stix-1.1.1"]
RAMROD = CORPUS / "ramrod"

# Documents that ramrod breaks on purpose; they are tested one by one below.
INVALID_VERSION = "samples_stix_invalid_version.xml"
NO_VERSION = "samples_stix_no_version.xml"
DUPLICATE_IDS = "samples_stix_duplicate_ids.xml"
BROKEN = {INVALID_VERSION, NO_VERSION, DUPLICATE_IDS}


@dataclass
class GeneratedBundle:
    """One bundle generated into a temporary folder and imported from there."""

    manifest: Manifest
    package: ModuleType
    path_entry: str
    releases: frozenset[str]
    summary: str
    generate_seconds: float
    import_seconds: float

    def parse(self, path: Path, strict: bool = True) -> object:
        return self.package.parse(path, strict=strict)


def _cybox_release(manifest: Manifest, xsd_dir: Path) -> str:
    """Return the CybOX release of a bundle: the ``version`` of its CybOX core schema."""
    cybox_core = next(path for path in manifest.entry if path.startswith("cybox/"))
    version = ElementTree.parse(xsd_dir / cybox_core).getroot().get("version")
    assert version, f"{cybox_core} of {manifest.name} has no version attribute"
    return f"cybox-{version}"


def document_release(path: Path) -> str:
    """Return the release a document declares on its root element, such as ``stix-1.0.1``."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    major = root.get("cybox_major_version")
    if major is not None:
        parts = [major, root.get("cybox_minor_version"), root.get("cybox_update_version")]
        return "cybox-" + ".".join(part for part in parts if part)
    return f"stix-{root.get('version') or 'unversioned'}"


def ramrod_documents() -> list[Path]:
    documents = sorted(RAMROD.glob("*.xml"))
    if not documents:
        pytest.skip(f"sample corpus not found at {CORPUS} (it sits beside the repository as shared/corpus)")
    return documents


@pytest.fixture(scope="module")
def generated_bundles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, GeneratedBundle]]:
    """Bundles generated so far in this module, by name; their packages are removed afterwards."""
    cache: dict[str, GeneratedBundle] = {}
    yield cache

    for entry in cache.values():
        sys.path.remove(entry.path_entry)
        prefix = entry.package.__name__
        for name in [name for name in sys.modules if name == prefix or name.startswith(prefix + ".")]:
            del sys.modules[name]


@pytest.fixture
def older_bundle(
    request: pytest.FixtureRequest,
    generated_bundles: dict[str, GeneratedBundle],
    tmp_path_factory: pytest.TempPathFactory,
) -> GeneratedBundle:
    """The bundle named by the indirect parameter, generated on first use."""
    name: str = request.param
    if name not in generated_bundles:
        generated_bundles[name] = _generate(name, tmp_path_factory)
    return generated_bundles[name]


def _generate(bundle_name: str, tmp_path_factory: pytest.TempPathFactory) -> GeneratedBundle:
    manifest = bundles.load_manifest(bundle_name)
    folder = tmp_path_factory.mktemp(manifest.name)
    xsd_dir = bundles.fetch(manifest, folder / "xsd")

    # A name of its own, so the package cannot clash with the committed ones.
    package_name = f"{manifest.package}_under_test"
    started = time.perf_counter()
    generation = pipeline.generate(manifest, xsd_dir=xsd_dir, package_name=package_name)
    write_package(generation.files, folder / "packages" / package_name)
    generate_seconds = time.perf_counter() - started

    sys.path.insert(0, str(folder / "packages"))
    started = time.perf_counter()
    package = importlib.import_module(package_name)
    import_seconds = time.perf_counter() - started

    return GeneratedBundle(
        manifest=manifest,
        package=package,
        path_entry=str(folder / "packages"),
        releases=frozenset({f"stix-{manifest.version}", _cybox_release(manifest, xsd_dir)}),
        summary=generation.summary(),
        generate_seconds=generate_seconds,
        import_seconds=import_seconds,
    )


@pytest.mark.slow
@pytest.mark.parametrize("older_bundle", OLDER_BUNDLES, indirect=True)
def test_older_bundle_generates_and_imports(
    older_bundle: GeneratedBundle, capsys: pytest.CaptureFixture[str]
) -> None:
    package = older_bundle.package
    stix_package = package.STIXPackage

    with capsys.disabled():
        print(
            f"\n{older_bundle.summary}; generated and written in {older_bundle.generate_seconds:.2f} s, "
            f"package imported in {older_bundle.import_seconds:.3f} s"
        )

    assert package.BUNDLE.name == older_bundle.manifest.name
    assert "{http://stix.mitre.org/stix-1}STIX_Package" in package.BUNDLE.elements
    assert "{http://cybox.mitre.org/cybox-2}Observables" in package.BUNDLE.elements
    version_values = [member.value for member in stix_package.version.codec.enumeration]
    assert older_bundle.manifest.version in version_values


@pytest.mark.slow
@pytest.mark.parametrize("older_bundle", OLDER_BUNDLES, indirect=True)
def test_older_bundle_round_trips_its_ramrod_documents(
    older_bundle: GeneratedBundle, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = [
        path
        for path in ramrod_documents()
        if path.name not in BROKEN and document_release(path) in older_bundle.releases
    ]
    if not documents:
        pytest.skip(f"ramrod has no document of {sorted(older_bundle.releases)}")

    differences = {}
    for path in documents:
        written = older_bundle.parse(path).to_bytes()  # type: ignore[attr-defined]
        differences[path.name] = compare_documents(path.read_bytes(), written)

    with capsys.disabled():
        print(
            f"\n{older_bundle.manifest.name}: {sum(not found for found in differences.values())} of "
            f"{len(documents)} ramrod documents of {sorted(older_bundle.releases)} round-trip without loss"
        )

    assert {name: found for name, found in differences.items() if found} == {}


@pytest.mark.slow
@pytest.mark.parametrize("older_bundle", OLDER_BUNDLES, indirect=True)
def test_older_bundle_keeps_invalid_version(older_bundle: GeneratedBundle) -> None:
    path = corpus_file(f"ramrod/{INVALID_VERSION}")

    # The structure check accepts the document, because the version is an
    # attribute value; the value is checked when it is read.
    package = older_bundle.parse(path)

    assert compare_documents(path.read_bytes(), package.to_bytes()) == []  # type: ignore[attr-defined]
    with pytest.raises(InvalidValueError, match="'27.4'"):
        package.version  # type: ignore[attr-defined]  # noqa: B018 - reading is the check


@pytest.mark.slow
@pytest.mark.parametrize("older_bundle", OLDER_BUNDLES, indirect=True)
def test_older_bundle_reads_document_without_version(older_bundle: GeneratedBundle) -> None:
    path = corpus_file(f"ramrod/{NO_VERSION}")

    package = older_bundle.parse(path)

    assert package.version is None  # type: ignore[attr-defined]
    assert package.stix_header.title == "A STIX Package With No Version Info"  # type: ignore[attr-defined]
    assert compare_documents(path.read_bytes(), package.to_bytes()) == []  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("older_bundle", ["stix-1.0"], indirect=True)
def test_duplicate_ids_are_kept(older_bundle: GeneratedBundle) -> None:
    path = corpus_file(f"ramrod/{DUPLICATE_IDS}")
    assert document_release(path) in older_bundle.releases

    # Ids are xs:QName values, so the schema does not require them to be
    # unique, and the bindings keep every duplicate as it was.
    package = older_bundle.parse(path)
    ids = [observable.id_ for observable in package.observables.observables]  # type: ignore[attr-defined]

    assert ids.count("example:Observable-duplicate") == 5
    assert compare_documents(path.read_bytes(), package.to_bytes()) == []  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("older_bundle", ["stix-1.1.1"], indirect=True)
def test_stix_1_1_1_reads_1_1_leniently(
    older_bundle: GeneratedBundle, caplog: pytest.LogCaptureFixture
) -> None:
    path = corpus_file("ramrod/samples_stix_1.1_upgradable.xml")
    assert not any(document_release(p) in older_bundle.releases for p in ramrod_documents())

    # Ramrod has no STIX 1.1.1 document. STIX 1.1.1 still lists version 1.1,
    # but changed content models that this document uses, so only lenient
    # reading accepts it.
    package = older_bundle.parse(path, strict=False)

    assert compare_documents(path.read_bytes(), package.to_bytes()) == []  # type: ignore[attr-defined]
    assert any("stixCommon:Names" in record.getMessage() for record in caplog.records)


# The staleness check of `stixgen generate --check`


@pytest.fixture(scope="module")
def xsd_1_2_1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = bundles.load_manifest("stix-1.2.1")
    return bundles.fetch(manifest, tmp_path_factory.mktemp("stix-1.2.1") / "xsd")


def _copy_committed_package(destination: Path) -> Path:
    shutil.copytree(
        REPOSITORY / "generated" / "stix_1_2_1", destination, ignore=shutil.ignore_patterns("__pycache__")
    )
    return destination


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*.py"))}


def _check(output: Path, xsd_dir: Path) -> int:
    return cli.main(
        ["generate", "--check", "--bundle", "stix-1.2.1", "--xsd-dir", str(xsd_dir), "--output", str(output)]
    )


@pytest.mark.slow
def test_check_passes_when_up_to_date(
    xsd_1_2_1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = _copy_committed_package(tmp_path / "stix_1_2_1")
    before = _snapshot(output)

    status = _check(output, xsd_1_2_1)

    printed = capsys.readouterr().out
    assert status == cli.EXIT_OK, printed
    assert f"{output} is up to date ({len(before)} files)" in printed
    assert _snapshot(output) == before


@pytest.mark.slow
def test_check_lists_changed_and_stale_files(
    xsd_1_2_1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = _copy_committed_package(tmp_path / "stix_1_2_1")
    changed = output / "ttp.py"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited by hand\n", encoding="utf-8")
    (output / "indicator.py").unlink()
    (output / "retired_module.py").write_text(f"{GENERATED_MARK} from an older schema bundle\n", encoding="utf-8")
    (output / "notes.py").write_text("# written by hand, not generated\n", encoding="utf-8")
    before = _snapshot(output)

    status = _check(output, xsd_1_2_1)

    printed = capsys.readouterr().out
    listed = [line.strip() for line in printed.splitlines() if line.startswith("  ")]
    assert status == cli.EXIT_FAILED
    assert f"{output} is stale; 3 files differ" in printed
    assert listed == ["indicator.py", "retired_module.py", "ttp.py"]
    assert "regenerate with: stixgen generate --bundle stix-1.2.1" in printed
    assert _snapshot(output) == before
