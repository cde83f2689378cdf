"""Read schema bundle manifests and fetch the XSD files they list.

A bundle is one release of the STIX 1.x schemas, such as ``stix-1.2``. Its
manifest, ``schemas/<bundle>/manifest.toml``, lists every XSD file with its
SHA-256 checksum and records which files the loader uses. The XSD files
themselves are not stored in the repository. ``fetch`` copies them out of
the installed ``stix-validator`` distribution into ``schemas/<bundle>/xsd/``.
``python -m generator.manifest_tool`` writes the manifests.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import keyword
import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

logger = logging.getLogger(__name__)

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = REPOSITORY_ROOT / "schemas"
MANIFEST_NAME = "manifest.toml"
XSD_DIR_NAME = "xsd"

# Names that generated packages use for their own modules, so no schema
# namespace may be rendered into a module with one of these names.
RESERVED_MODULE_NAMES = frozenset({"runtime", "parse", "registry"})

_HASH_CHUNK_BYTES = 1 << 16


class BundleError(Exception):
    """Base class for errors about manifests and bundle files."""


class ManifestError(BundleError):
    """A manifest is missing, cannot be parsed or contains invalid values."""


class DistributionNotFoundError(BundleError):
    """The Python distribution that ships the bundle's XSD files is not installed."""


class ChecksumMismatchError(BundleError):
    """An XSD file does not have the SHA-256 checksum that the manifest lists."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        super().__init__(
            f"checksum mismatch for {path}: the manifest lists sha256 {expected}, "
            f"the file has sha256 {actual}; fetch the bundle again"
        )
        self.path = path
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class Manifest:
    """A schema bundle as described by its ``manifest.toml``.

    All file paths are POSIX paths relative to the bundle's XSD folder.
    """

    name: str
    version: str
    package: str
    entry: tuple[str, ...]
    root: Path
    distribution: str | None = None
    distribution_version: str | None = None
    path: str | None = None
    files: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    locations: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    skipped: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Namespace that some files import but no file declares -> the namespace
    # of the file their schemaLocation points at, which replaces it in them.
    renamed: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    modules: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    prefixes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def default_xsd_dir(self) -> Path:
        """Folder that ``fetch`` fills when no destination is given."""
        return self.root / XSD_DIR_NAME

    @property
    def loaded_files(self) -> tuple[str, ...]:
        """Listed files that the loader uses, which is every file not in ``skipped``."""
        return tuple(name for name in sorted(self.files) if name not in self.skipped)


def find_manifest(name_or_path: str | Path) -> Path:
    """Return the manifest file for a bundle name or a user-given path.

    A bundle name such as ``stix-1.2`` resolves to
    ``schemas/stix-1.2/manifest.toml`` in this repository. A path may point
    at a manifest file or at the folder that contains one.
    """
    if isinstance(name_or_path, str) and _is_bundle_name(name_or_path):
        candidate = SCHEMAS_DIR / name_or_path / MANIFEST_NAME
        if candidate.is_file():
            return candidate.resolve()

    candidate = Path(name_or_path)
    if candidate.is_dir():
        candidate = candidate / MANIFEST_NAME

    if not candidate.is_file():
        known = ", ".join(available_bundles()) or "none"
        raise ManifestError(
            f"manifest not found for {str(name_or_path)!r}; "
            f"give a bundle name ({known}) or the path of a manifest.toml or of its folder"
        )

    return candidate.resolve()


def available_bundles() -> list[str]:
    """Return the names of the bundles that have a manifest in this repository."""
    if not SCHEMAS_DIR.is_dir():
        return []

    return sorted(
        folder.name for folder in SCHEMAS_DIR.iterdir() if (folder / MANIFEST_NAME).is_file()
    )


def load_manifest(name_or_path: str | Path) -> Manifest:
    """Find a manifest by bundle name or path and read it."""
    return read_manifest(find_manifest(name_or_path))


def read_manifest(path: Path) -> Manifest:
    """Parse and check one ``manifest.toml`` file.

    Raises ``ManifestError`` naming the file and the key when a value is
    missing or invalid.
    """
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except OSError as error:
        raise ManifestError(f"cannot read manifest {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"invalid TOML in manifest {path}: {error}") from error

    bundle = _table(data, "bundle", path, required=True)

    files = _string_table(data, "files", path)
    for name, digest in files.items():
        _check_relative_path(name, path, "files")
        if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
            raise ManifestError(
                f"{path}: [files] {name!r} must map to a lowercase sha256 hex digest, got {digest!r}"
            )

    locations = _string_table(data, "locations", path)
    skipped = _string_table(data, "skipped", path)
    renamed = _string_table(data, "renamed", path)
    modules = _string_table(data, "modules", path)
    prefixes = _string_table(data, "prefixes", path)

    for name in [*locations.values(), *skipped]:
        _check_relative_path(name, path, "locations/skipped")

    if files:
        unknown = sorted(name for name in [*locations.values(), *skipped] if name not in files)
        if unknown:
            raise ManifestError(
                f"{path}: [locations] and [skipped] name files missing from [files]: {unknown}"
            )

    chosen_and_skipped = sorted(set(locations.values()) & set(skipped))
    if chosen_and_skipped:
        raise ManifestError(
            f"{path}: files both chosen in [locations] and listed in [skipped]: {chosen_and_skipped}"
        )

    for old, new in renamed.items():
        if not old or not new or old == new or new in renamed:
            raise ManifestError(
                f"{path}: [renamed] {old!r} = {new!r} must map a namespace to a different one "
                "that is not itself renamed"
            )

    check_module_names(modules, source=str(path))
    check_prefixes(prefixes, source=str(path))

    entry = bundle.get("entry", [])
    if not isinstance(entry, list) or not entry or not all(isinstance(e, str) for e in entry):
        raise ManifestError(f"{path}: [bundle] entry must be a non-empty list of file paths")
    for name in entry:
        _check_relative_path(name, path, "bundle.entry")

    return Manifest(
        name=_required_string(bundle, "name", path),
        version=_required_string(bundle, "version", path),
        package=_required_string(bundle, "package", path),
        entry=tuple(entry),
        root=path.resolve().parent,
        distribution=_optional_string(bundle, "distribution", path),
        distribution_version=_optional_string(bundle, "distribution_version", path),
        path=_optional_string(bundle, "path", path),
        files=MappingProxyType(files),
        locations=MappingProxyType(locations),
        skipped=MappingProxyType(skipped),
        renamed=MappingProxyType(renamed),
        modules=MappingProxyType(modules),
        prefixes=MappingProxyType(prefixes),
    )


def check_module_names(modules: Mapping[str, str], source: str) -> None:
    """Raise ``ManifestError`` unless every module name is a usable, unique Python name."""
    seen: dict[str, str] = {}

    for namespace, module in modules.items():
        if not module.isidentifier() or not module.isascii() or module != module.lower():
            raise ManifestError(
                f"{source}: module name {module!r} for {namespace} is not a lowercase ASCII identifier"
            )

        if keyword.iskeyword(module):
            raise ManifestError(f"{source}: module name {module!r} for {namespace} is a Python keyword")

        if module.startswith("_") or module in RESERVED_MODULE_NAMES:
            raise ManifestError(
                f"{source}: module name {module!r} for {namespace} is reserved; "
                f"names may not start with '_' or be one of {sorted(RESERVED_MODULE_NAMES)}"
            )

        if module in seen:
            raise ManifestError(
                f"{source}: module name {module!r} is used for both {seen[module]} and {namespace}"
            )
        seen[module] = namespace


def check_prefixes(prefixes: Mapping[str, str], source: str) -> None:
    """Raise ``ManifestError`` unless every prefix is a unique XML NCName other than ``xml``."""
    seen: dict[str, str] = {}

    for namespace, prefix in prefixes.items():
        if not _is_ncname(prefix) or prefix.lower().startswith("xml"):
            raise ManifestError(
                f"{source}: prefix {prefix!r} for {namespace} is not a valid XML namespace prefix"
            )

        if prefix in seen:
            raise ManifestError(
                f"{source}: prefix {prefix!r} is used for both {seen[prefix]} and {namespace}"
            )
        seen[prefix] = namespace


def distribution_xsd_dir(manifest: Manifest) -> Path:
    """Return the installed folder that contains the bundle's XSD files.

    Raises ``ManifestError`` when the manifest names no distribution and
    ``DistributionNotFoundError`` when the distribution is not installed.
    """
    if not manifest.distribution or not manifest.path:
        raise ManifestError(
            f"bundle {manifest.name} names no distribution in its manifest; "
            "pass the folder that holds its XSD files instead"
        )

    return locate_distribution_folder(
        manifest.distribution, manifest.path, manifest.distribution_version, manifest.name
    )


def locate_distribution_folder(
    distribution: str, path: str, version: str | None, bundle_name: str
) -> Path:
    """Return the folder ``path`` inside an installed distribution.

    ``path`` starts with the top-level import package, as in
    ``sdv/resources/xsd/stix_1.2``, and is resolved through
    ``importlib.resources``. A different installed version only logs a
    warning, because the checksums decide whether the files are usable.
    Raises ``DistributionNotFoundError`` with the ``pip install`` command to
    run when the distribution or the folder is missing.
    """
    install_hint = f"pip install {distribution}" + (f"=={version}" if version else "")

    try:
        installed_version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError as error:
        raise DistributionNotFoundError(
            f"the {distribution} distribution, which ships the XSD files of bundle "
            f"{bundle_name}, is not installed; run `{install_hint}`"
        ) from error

    if version and installed_version != version:
        logger.warning(
            "%s %s is installed but bundle %s was recorded from version %s; "
            "if the checksums do not match, run `%s`",
            distribution,
            installed_version,
            bundle_name,
            version,
            install_hint,
        )

    package, *parts = PurePosixPath(path).parts
    try:
        resource = importlib.resources.files(package).joinpath(*parts)
    except ModuleNotFoundError as error:
        raise DistributionNotFoundError(
            f"package {package!r} of the {distribution} distribution cannot be imported; "
            f"run `{install_hint}`"
        ) from error

    folder = Path(str(resource))
    if not folder.is_dir():
        raise DistributionNotFoundError(
            f"folder {path} of bundle {bundle_name} is missing from the installed "
            f"{distribution} {installed_version} (looked in {folder}); run `{install_hint}`"
        )

    return folder


def fetch(manifest: Manifest, destination: Path | None = None, source: Path | None = None) -> Path:
    """Copy the bundle's XSD files into ``destination`` and verify their checksums.

    ``destination`` defaults to ``schemas/<bundle>/xsd/`` next to the
    manifest. ``source`` is a folder of XSD files to copy instead of the
    installed distribution, for custom bundles. When the manifest lists files,
    exactly those are copied, and each must match its checksum before it is
    written. When it lists none, which only makes sense with ``source``,
    every ``.xsd`` file under ``source`` is copied unverified.

    Returns the destination folder. Raises ``ChecksumMismatchError`` on the
    first source file that does not match, ``BundleError`` for a listed file
    that is missing, and ``DistributionNotFoundError`` when ``source`` is not
    given and the distribution is not installed.
    """
    source_dir = source if source is not None else distribution_xsd_dir(manifest)
    target_dir = destination if destination is not None else manifest.default_xsd_dir

    if manifest.files:
        names: Iterable[str] = sorted(manifest.files)
    else:
        logger.warning(
            "manifest of bundle %s lists no files, so the XSD files from %s are copied without "
            "checksum verification",
            manifest.name,
            source_dir,
        )
        names = list_xsd_files(source_dir)

    copied = 0
    for name in names:
        source_file = source_dir / name
        if not source_file.is_file():
            raise BundleError(f"file {name} of bundle {manifest.name} is missing from {source_dir}")

        # The source bytes are checked before anything is written, so a bad
        # source never leaves a file in the destination that looks fetched.
        content = source_file.read_bytes()
        expected = manifest.files.get(name)
        if expected is not None:
            actual = hashlib.sha256(content).hexdigest()
            if actual != expected:
                raise ChecksumMismatchError(source_file, expected, actual)

        target_file = target_dir / name
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.write_bytes(content)
        copied += 1

    logger.info("fetched %d files of bundle %s from %s into %s", copied, manifest.name, source_dir, target_dir)
    return target_dir


def verify_files(manifest: Manifest, xsd_dir: Path) -> None:
    """Check that ``xsd_dir`` contains every file the manifest lists, with its checksum.

    Raises ``BundleError`` for a missing file and ``ChecksumMismatchError``
    for the first file whose content differs.
    """
    for name, expected in sorted(manifest.files.items()):
        file_path = xsd_dir / name
        if not file_path.is_file():
            raise BundleError(
                f"file {name} of bundle {manifest.name} is missing from {xsd_dir}; fetch the bundle again"
            )
        _verify_file(file_path, expected)


def list_xsd_files(folder: Path) -> list[str]:
    """Return the POSIX paths, relative to ``folder``, of every ``.xsd`` file below it."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.xsd") if path.is_file())


def sha256_file(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()

    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(_HASH_CHUNK_BYTES), b""):
            digest.update(chunk)

    return digest.hexdigest()


def package_name(version: str) -> str:
    """Return the Python package name for a STIX version, such as ``stix_1_2_1`` for ``1.2.1``."""
    return "stix_" + version.replace(".", "_")


def _verify_file(path: Path, expected: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumMismatchError(path, expected, actual)


def _is_bundle_name(text: str) -> bool:
    return bool(text) and "/" not in text and "\\" not in text and not text.startswith(".")


def _is_ncname(text: str) -> bool:
    # XML NCNames allow more characters than this ASCII subset, but every
    # prefix the STIX schemas declare fits it.
    if not text or not (text[0].isalpha() or text[0] == "_"):
        return False
    return all(ch.isalnum() or ch in "_-." for ch in text) and text.isascii()


def _check_relative_path(name: str, manifest_path: Path, table: str) -> None:
    posix = PurePosixPath(name)
    if not name or posix.is_absolute() or ".." in posix.parts or "\\" in name:
        raise ManifestError(
            f"{manifest_path}: [{table}] path {name!r} must be relative to the bundle's XSD folder "
            "and may not contain '..'"
        )


def _table(data: Mapping[str, Any], key: str, path: Path, required: bool = False) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise ManifestError(f"{path}: table [{key}] is missing")
        return {}

    if not isinstance(value, dict):
        raise ManifestError(f"{path}: [{key}] must be a table, got {type(value).__name__}")

    return value


def _string_table(data: Mapping[str, Any], key: str, path: Path) -> dict[str, str]:
    table = _table(data, key, path)

    for name, value in table.items():
        if not isinstance(value, str):
            raise ManifestError(f"{path}: [{key}] {name!r} must be a string, got {value!r}")

    return dict(table)


def _required_string(table: Mapping[str, Any], key: str, path: Path) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{path}: [bundle] {key} must be a non-empty string, got {value!r}")
    return value


def _optional_string(table: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{path}: [bundle] {key} must be a non-empty string, got {value!r}")
    return value
