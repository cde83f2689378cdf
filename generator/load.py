"""Load every schema file of a bundle into one xmlschema ``XMLSchema10`` object.

Most files of a STIX bundle are imported by nothing that ``stix_core.xsd``
reaches (the CybOX object schemas and most extensions), so the loader does
not start from the entry files. It builds an in-memory umbrella schema that
imports every namespace of the bundle from one chosen file, and lets
xmlschema resolve the rest.

A manifest's ``[renamed]`` table names namespaces that some files import
but no file declares (STIX 1.2.1's MAEC and CAPEC schemas import the MITRE
CybOX namespaces from the OASIS CybOX files). The loader reads those files
from temporary copies in which every attribute value equal to an old
namespace, ``xmlns`` declarations and ``xs:import/@namespace`` included, is
replaced by the new one. The copies are deleted once the schema is built.

Three things keep the result to one copy per namespace and the load offline:

- A ``uri_mapper`` redirects each ``schemaLocation`` that points at a file
  the bundle does not load (a skipped duplicate, a missing file or a remote
  URL) to the file chosen for that namespace. Imports of the XML namespace
  go to the ``xml.xsd`` that ships with xmlschema.
- The mapper raises ``RemoteLocationError`` for a remote URL it has no entry
  for, and ``allow="local"`` makes xmlschema itself block remote access.
- ``use_fallback=False`` stops xmlschema from filling in a namespace that
  the bundle lacks from its own copies of well-known schemas.

xmlschema checks each file against the XSD meta-schema before it builds the
file's components, which is about half of the build time of STIX 1.2. The
bundles under ``schemas/`` whose manifest lists checksums are built without
that check (``validation="skip"``), because the loader has just verified that
every file is byte for byte one that the test suite builds with the check
(``validation="strict"``, where any error raises). Custom bundles are always
built with the check; ``validate_schemas=True`` asks for it on any bundle.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import re
import tempfile
import time
import warnings
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from urllib.parse import urlsplit
from urllib.request import url2pathname
from xml.sax.saxutils import quoteattr

import xmlschema
from xmlschema.exceptions import XMLSchemaWarning
from xmlschema.locations import FALLBACK_LOCATIONS, SCHEMAS_DIR
from xmlschema.validators import XsdComponent, XsdElement, XsdType

from generator import schema_cache
from generator.bundles import SCHEMAS_DIR as REPOSITORY_SCHEMAS_DIR
from generator.bundles import BundleError, Manifest, list_xsd_files, sha256_file

logger = logging.getLogger("generator.load")

XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

# The copy of xml.xsd inside the installed xmlschema package.
XML_SCHEMA_URI: str = str(FALLBACK_LOCATIONS[XML_NAMESPACE])

# Well-known addresses of xml.xsd, mapped even when no bundle file names
# them, so that nothing ever tries to download the XML namespace schema.
XML_SCHEMA_REMOTE_URLS = (
    "http://www.w3.org/2001/xml.xsd",
    "https://www.w3.org/2001/xml.xsd",
)

UMBRELLA_NAMESPACE_PREFIX = "urn:stixgen:bundle:"

# Folder beside a bundle's manifest that caches its built schema (git-ignored
# under schemas/; see generator.schema_cache).
CACHE_DIR_NAME = "cache"

_IMPORT_TAG = f"{{{XSD_NAMESPACE}}}import"
_INCLUDE_TAGS = (f"{{{XSD_NAMESPACE}}}include", f"{{{XSD_NAMESPACE}}}redefine")


class SchemaLoadError(BundleError):
    """A bundle's schema files cannot be combined into one schema."""


class RemoteLocationError(SchemaLoadError):
    """A schema refers to a remote URL that the loader has no local file for."""


@dataclass(frozen=True)
class SchemaFileInfo:
    """The namespace, imports, includes and prefix bindings of one XSD file.

    ``path`` is the POSIX path relative to the bundle's XSD folder.
    ``imports`` contains (namespace, schemaLocation) pairs, and ``bindings``
    contains (prefix, namespace) pairs for every ``xmlns`` declaration in the
    file, with "" as the prefix of a default namespace.
    """

    path: str
    namespace: str
    imports: tuple[tuple[str, str | None], ...]
    includes: tuple[str, ...]
    bindings: tuple[tuple[str, str], ...]

    @property
    def folder(self) -> str:
        """Folder of the file relative to the bundle root, "" for the root itself."""
        parent = PurePosixPath(self.path).parent.as_posix()
        return "" if parent == "." else parent

    def resolve(self, location: str) -> str | None:
        """Return the bundle path a relative ``schemaLocation`` points to.

        Returns None for URLs with a scheme and for locations that leave the
        bundle folder.
        """
        if urlsplit(location).scheme:
            return None

        parts: list[str] = []
        for part in PurePosixPath(self.folder, location).parts:
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            elif part != ".":
                parts.append(part)

        return "/".join(parts)


@dataclass(frozen=True)
class LoadedBundle:
    """A bundle's schema, built from all its loaded files, with where each part came from."""

    manifest: Manifest
    xsd_dir: Path
    schema: xmlschema.XMLSchema10
    # Namespace -> every bundle file xmlschema loaded for it, as bundle paths.
    namespace_files: Mapping[str, tuple[str, ...]]
    # Namespace -> the file the umbrella schema imports it from.
    namespace_locations: Mapping[str, str]
    load_seconds: float
    # Folder that held the renamed copies while the schema was built (now
    # deleted); the schema URLs of those files point into it.
    copy_dir: Path | None = None

    @property
    def namespaces(self) -> tuple[str, ...]:
        """The bundle's target namespaces, sorted; the XML and XSD namespaces are not included."""
        return tuple(sorted(self.namespace_files))

    @property
    def type_count(self) -> int:
        """Number of global types declared in the bundle's namespaces."""
        return sum(len(self.types(namespace)) for namespace in self.namespace_files)

    @property
    def element_count(self) -> int:
        """Number of global elements declared in the bundle's namespaces."""
        return sum(len(self.elements(namespace)) for namespace in self.namespace_files)

    def types(self, namespace: str) -> dict[str, XsdType]:
        """Return the global types of one namespace by local name."""
        return {
            _local_name(qname): xsd_type
            for qname, xsd_type in self.schema.maps.types.items()
            if _namespace_of(qname) == namespace
        }

    def elements(self, namespace: str) -> dict[str, XsdElement]:
        """Return the global elements of one namespace by local name."""
        return {
            _local_name(qname): element
            for qname, element in self.schema.maps.elements.items()
            if _namespace_of(qname) == namespace
        }

    def source_file(self, component: XsdComponent) -> str | None:
        """Return the bundle path of the file that declares ``component``.

        Returns None for components that no bundle file declares, such as
        XSD built-in types and the XML namespace attributes.
        """
        return self.bundle_path(component.schema.url)

    def bundle_path(self, url: str | None) -> str | None:
        """Return the bundle path of a schema URL, or None for a URL outside the bundle."""
        return _bundle_path(url, self.xsd_dir, self.copy_dir)


def read_schema_file_info(folder: Path, path: str) -> SchemaFileInfo:
    """Parse one XSD file for its target namespace, imports, includes and prefix bindings."""
    full_path = folder / path
    bindings: list[tuple[str, str]] = []
    root: ElementTree.Element | None = None

    try:
        for event, item in ElementTree.iterparse(full_path, events=("start-ns", "start")):
            if event == "start-ns":
                bindings.append(item)
            elif root is None:
                root = item
    except (OSError, ElementTree.ParseError) as error:
        raise SchemaLoadError(f"cannot parse schema file {full_path}: {error}") from error

    if root is None or root.tag != f"{{{XSD_NAMESPACE}}}schema":
        raise SchemaLoadError(f"{full_path} is not an XML Schema document")

    imports: list[tuple[str, str | None]] = []
    includes: list[str] = []
    for child in root:
        if child.tag == _IMPORT_TAG:
            imports.append((child.get("namespace", ""), child.get("schemaLocation")))
        elif child.tag in _INCLUDE_TAGS:
            location = child.get("schemaLocation")
            if location:
                includes.append(location)

    return SchemaFileInfo(
        path=path,
        namespace=root.get("targetNamespace", ""),
        imports=tuple(imports),
        includes=tuple(includes),
        bindings=tuple(bindings),
    )


def load_schema(
    manifest: Manifest, xsd_dir: Path | None = None, *, validate_schemas: bool = False
) -> xmlschema.XMLSchema10:
    """Build every loaded file of the bundle into one XSD 1.0 schema, offline.

    See ``load_bundle``, which this wraps, for the arguments and errors.
    """
    return load_bundle(manifest, xsd_dir, validate_schemas=validate_schemas).schema


def load_bundle(manifest: Manifest, xsd_dir: Path | None = None, *, validate_schemas: bool = False) -> LoadedBundle:
    """Build every loaded file of the bundle into one XSD 1.0 schema, offline.

    ``xsd_dir`` is the folder that ``bundles.fetch`` filled, by default
    ``schemas/<bundle>/xsd/``. Files the manifest lists are checked against
    their checksums first. ``validate_schemas=True`` checks every file against
    the XSD meta-schema even where the checksums make that check redundant
    (see the module docstring). Raises ``SchemaLoadError`` when a file is missing,
    an import cannot be resolved inside the bundle, or xmlschema reports an
    error or a failed import, and ``RemoteLocationError`` when a schema
    refers to an unmapped remote URL.
    """
    folder = (xsd_dir if xsd_dir is not None else manifest.default_xsd_dir).resolve()
    if not folder.is_dir():
        raise SchemaLoadError(
            f"XSD folder {folder} of bundle {manifest.name} does not exist; fetch the bundle first"
        )

    paths = _loaded_paths(manifest, folder)
    original_infos = {path: read_schema_file_info(folder, path) for path in paths}
    infos = {path: _renamed_info(info, manifest.renamed) for path, info in original_infos.items()}
    renamed_paths = sorted(path for path in paths if infos[path] != original_infos[path])

    files_by_namespace: dict[str, list[str]] = defaultdict(list)
    for path, info in sorted(infos.items()):
        files_by_namespace[info.namespace].append(path)

    if XML_NAMESPACE in files_by_namespace:
        raise SchemaLoadError(
            f"bundle {manifest.name} loads {files_by_namespace[XML_NAMESPACE]}, which declare the XML "
            "namespace; list them in [skipped], because xmlschema's own xml.xsd is used"
        )

    locations = _namespace_locations(manifest, files_by_namespace)
    redirects = _build_redirects(folder, infos, locations)
    umbrella = _umbrella_schema(manifest, folder, locations)

    validation = "strict" if validate_schemas or not _verified_by_checksums(manifest) else "skip"
    logger.info(
        "loading bundle %s: %d files, %d namespaces, validation=%s",
        manifest.name,
        len(paths),
        len(locations),
        validation,
    )
    started = time.perf_counter()

    # The built schema depends on the files and on what the loader derived from them.
    key = schema_cache.cache_key(
        manifest.name,
        folder,
        [
            validation,
            umbrella,
            repr(sorted(redirects.items())),
            repr(sorted(manifest.renamed.items())),
            repr(renamed_paths),
        ],
    )
    # Only the bundle's own XSD folder is cached: schema URLs are absolute, so a
    # copy elsewhere (as tests make) would add an entry that nothing reads again.
    cache = None
    if folder == manifest.default_xsd_dir.resolve():
        cache = schema_cache.cache_folder(manifest.root / CACHE_DIR_NAME)
    (schema, copy_dir), _ = schema_cache.load_or_build(
        cache,
        manifest.name,
        key,
        lambda: _build_schema(manifest, folder, umbrella, redirects, renamed_paths, validation),
    )
    load_seconds = time.perf_counter() - started

    namespace_files = _check_loaded_files(manifest, folder, copy_dir, schema, infos)

    loaded = LoadedBundle(
        manifest=manifest,
        xsd_dir=folder,
        schema=schema,
        namespace_files=MappingProxyType(namespace_files),
        namespace_locations=MappingProxyType(dict(locations)),
        load_seconds=load_seconds,
        copy_dir=copy_dir,
    )

    logger.info(
        "loaded bundle %s in %.2f s: %d files, %d namespaces, %d types, %d elements",
        manifest.name,
        load_seconds,
        len(paths),
        len(namespace_files),
        loaded.type_count,
        loaded.element_count,
    )
    return loaded


def _build_schema(
    manifest: Manifest,
    folder: Path,
    umbrella: str,
    redirects: Mapping[str, str],
    renamed_paths: list[str],
    validation: str,
) -> tuple[xmlschema.XMLSchema10, Path | None]:
    """Build the umbrella schema with xmlschema; return it and the folder that held
    the renamed copies (deleted by now, but schema URLs point into it)."""
    with contextlib.ExitStack() as cleanup:
        copy_dir = None
        copies = {}
        if renamed_paths:
            temporary = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="stixgen-renamed-"))
            copy_dir = Path(temporary).resolve()
            copies = _write_renamed_copies(folder, copy_dir, renamed_paths, manifest.renamed)
            logger.info("read %d files of bundle %s with renamed namespaces", len(copies), manifest.name)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                schema = xmlschema.XMLSchema10(
                    umbrella,
                    base_url=str(folder),
                    uri_mapper=LocationMapper(redirects, copies=copies, folder=folder, copy_dir=copy_dir),
                    allow="local",
                    use_fallback=False,
                    validation=validation,
                    build=True,
                )
            except xmlschema.XMLSchemaException as error:
                raise SchemaLoadError(f"xmlschema failed to build bundle {manifest.name}: {error}") from error

    xmlschema_warnings = [
        str(warning.message)
        for warning in caught
        if issubclass(warning.category, XMLSchemaWarning)
    ]
    if xmlschema_warnings:
        raise SchemaLoadError(
            f"xmlschema reported problems while building bundle {manifest.name}: {xmlschema_warnings}"
        )
    return schema, copy_dir


def _verified_by_checksums(manifest: Manifest) -> bool:
    """Tell whether the bundle is one of this repository's, with a SHA-256 that
    `_loaded_paths` checks for each of its files."""
    return bool(manifest.files) and manifest.root.resolve().parent == REPOSITORY_SCHEMAS_DIR


def _loaded_paths(manifest: Manifest, folder: Path) -> list[str]:
    if not manifest.files:
        # A custom bundle without [files] loads every .xsd file in the folder.
        return [path for path in list_xsd_files(folder) if path not in manifest.skipped]

    paths = list(manifest.loaded_files)
    missing = [path for path in paths if not (folder / path).is_file()]
    if missing:
        raise SchemaLoadError(
            f"{len(missing)} files of bundle {manifest.name} are missing from {folder}, "
            f"for example {missing[:3]}; fetch the bundle again"
        )

    for path in paths:
        expected = manifest.files[path]
        actual = sha256_file(folder / path)
        if actual != expected:
            raise SchemaLoadError(
                f"checksum mismatch for {folder / path}: the manifest lists sha256 {expected}, "
                f"the file has sha256 {actual}; fetch the bundle again"
            )

    return paths


def _namespace_locations(manifest: Manifest, files_by_namespace: Mapping[str, list[str]]) -> dict[str, str]:
    locations: dict[str, str] = {}
    entry_namespaces: list[str] = []

    for namespace, paths in files_by_namespace.items():
        chosen = manifest.locations.get(namespace)
        if chosen is None:
            if len(paths) > 1:
                raise SchemaLoadError(
                    f"namespace {namespace} of bundle {manifest.name} has several files {paths} "
                    "but no entry in [locations]; name the file that includes the others"
                )
            chosen = paths[0]
        elif chosen not in paths:
            raise SchemaLoadError(
                f"[locations] of bundle {manifest.name} chooses {chosen} for {namespace}, "
                f"but the loaded files of that namespace are {paths}"
            )

        locations[namespace] = chosen
        if chosen in manifest.entry:
            entry_namespaces.append(namespace)

    # Entry namespaces are imported first, so xmlschema meets the core
    # schemas before the extensions that build on them.
    ordered = sorted(locations, key=lambda namespace: (namespace not in entry_namespaces, namespace))
    return {namespace: locations[namespace] for namespace in ordered}


def _build_redirects(
    folder: Path,
    infos: Mapping[str, SchemaFileInfo],
    locations: Mapping[str, str],
) -> dict[str, str]:
    """Map each schemaLocation that leaves the loaded files to the URI it must load instead.

    Keys are normalized local paths or remote URLs, values are file URIs.
    """
    redirects: dict[str, str] = {url: XML_SCHEMA_URI for url in XML_SCHEMA_REMOTE_URLS}

    for path, info in sorted(infos.items()):
        for namespace, location in info.imports:
            if not location:
                if namespace != XML_NAMESPACE and namespace not in locations:
                    raise SchemaLoadError(
                        f"{path} imports {namespace}, which no loaded file of the bundle declares; "
                        f"list {path} in [skipped] or add a schema for that namespace"
                    )
                continue

            target = info.resolve(location)
            key = location if target is None else _path_key(folder / target)

            if namespace == XML_NAMESPACE:
                replacement = XML_SCHEMA_URI
            elif namespace not in locations:
                raise SchemaLoadError(
                    f"{path} imports {namespace} from {location}, which no loaded file of the bundle "
                    f"declares; list {path} in [skipped] or add a schema for that namespace"
                )
            elif target is not None and infos.get(target) is not None and infos[target].namespace == namespace:
                continue
            else:
                replacement = (folder / locations[namespace]).as_uri()

            previous = redirects.setdefault(key, replacement)
            if previous != replacement:
                raise SchemaLoadError(
                    f"schemaLocation {location} in {path} would be redirected to both "
                    f"{previous} and {replacement}"
                )

        for location in info.includes:
            target = info.resolve(location)
            if target is None or target not in infos or infos[target].namespace != info.namespace:
                raise SchemaLoadError(
                    f"{path} includes {location}, which is not a loaded file of namespace {info.namespace}"
                )

    return redirects


class LocationMapper:
    """The ``uri_mapper`` given to xmlschema: applies the redirects and rejects other remote URLs.

    ``redirects`` maps normalized local paths and remote URLs to the file URI
    to load instead. A remote URL that is not a key raises
    ``RemoteLocationError``, so the loader never downloads a schema.

    ``copies`` maps the normalized paths of files under ``folder`` to the
    file URIs of their renamed copies under ``copy_dir``. A relative
    location inside a copy resolves under ``copy_dir``, so such paths are
    first translated back to the same relative path under ``folder``.
    """

    def __init__(
        self,
        redirects: Mapping[str, str],
        *,
        copies: Mapping[str, str] | None = None,
        folder: Path | None = None,
        copy_dir: Path | None = None,
    ) -> None:
        self._redirects = dict(redirects)
        self._copies = dict(copies or {})
        self._folder = folder
        self._copy_dir = copy_dir

    def __call__(self, uri: str) -> str:
        parts = urlsplit(uri)

        if parts.scheme == "file":
            return self._map_local(Path(url2pathname(parts.path)), uri)

        if not parts.scheme or (len(parts.scheme) == 1 and os.name == "nt"):
            # A plain path, or on Windows a drive letter such as "C:".
            path = Path(uri)
            return self._map_local(path, uri) if path.is_absolute() else uri

        if uri in self._redirects:
            return self._copy_of(self._redirects[uri])

        raise RemoteLocationError(
            f"schema location {uri} is a remote URL with no local copy in the bundle; "
            "the loader never downloads schemas, so add the file to the bundle or skip the "
            "schema that refers to it"
        )

    def _map_local(self, path: Path, uri: str) -> str:
        key = _path_key(path)
        if self._copy_dir is not None and self._folder is not None:
            inside_copy = _relative_to(Path(key), self._copy_dir)
            if inside_copy is not None:
                key = _path_key(self._folder / inside_copy)
                uri = Path(key).as_uri()

        redirected = self._redirects.get(key)
        if redirected is not None:
            return self._copy_of(redirected)
        return self._copies.get(key, uri)

    def _copy_of(self, uri: str) -> str:
        parts = urlsplit(uri)
        if parts.scheme != "file":
            return uri
        return self._copies.get(_path_key(Path(url2pathname(parts.path))), uri)


# The markup of an XML document. Comments, CDATA sections, processing
# instructions and declarations come first, so their text is never taken
# for a start tag.
_MARKUP = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!.*?>"
    rb"|<[A-Za-z_](?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.DOTALL,
)
_ATTRIBUTE_VALUE = re.compile(rb"""(=\s*)(["'])(.*?)\2""", re.DOTALL)


def rename_namespaces(text: bytes, renamed: Mapping[str, str]) -> bytes:
    """Return schema text in which every attribute value equal to a key of ``renamed`` is replaced.

    This covers ``xmlns`` declarations, ``xs:import/@namespace`` and
    ``xs:any/@namespace``. Element content, comments and attribute values
    that merely contain a namespace are left as they are.
    """
    encoded = {old.encode("utf-8"): new.encode("utf-8") for old, new in renamed.items()}

    def replace_value(match: re.Match[bytes]) -> bytes:
        new = encoded.get(match.group(3))
        if new is None:
            return match.group(0)
        return match.group(1) + match.group(2) + new + match.group(2)

    def replace_in_tag(match: re.Match[bytes]) -> bytes:
        tag = match.group(0)
        if tag.startswith(b"<!") or tag.startswith(b"<?"):
            return tag
        return _ATTRIBUTE_VALUE.sub(replace_value, tag)

    return _MARKUP.sub(replace_in_tag, text)


def _renamed_info(info: SchemaFileInfo, renamed: Mapping[str, str]) -> SchemaFileInfo:
    if not renamed or not any(namespace in renamed for namespace, _ in info.imports):
        return info

    return dataclasses.replace(
        info,
        imports=tuple((renamed.get(namespace, namespace), location) for namespace, location in info.imports),
        bindings=tuple((prefix, renamed.get(namespace, namespace)) for prefix, namespace in info.bindings),
    )


def _write_renamed_copies(
    folder: Path, copy_dir: Path, paths: list[str], renamed: Mapping[str, str]
) -> dict[str, str]:
    """Write a renamed copy of each file under ``copy_dir``; return original path key -> copy URI."""
    copies: dict[str, str] = {}

    for path in paths:
        copy = copy_dir / path
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(rename_namespaces((folder / path).read_bytes(), renamed))

        left = [namespace for namespace, _ in read_schema_file_info(copy_dir, path).imports if namespace in renamed]
        if left:
            raise SchemaLoadError(
                f"renaming namespaces in {path} failed: it still imports {left}; "
                "list the file in [skipped] or rename the namespaces in a copy of the bundle"
            )

        copies[_path_key(folder / path)] = copy.as_uri()

    return copies


def _umbrella_schema(manifest: Manifest, folder: Path, locations: Mapping[str, str]) -> str:
    imports = "\n".join(
        f"  <xs:import namespace={quoteattr(namespace)} schemaLocation={quoteattr((folder / path).as_uri())}/>"
        for namespace, path in locations.items()
    )
    target = quoteattr(UMBRELLA_NAMESPACE_PREFIX + manifest.name)
    return (
        f'<xs:schema xmlns:xs="{XSD_NAMESPACE}" targetNamespace={target}>\n'
        f"{imports}\n"
        "</xs:schema>\n"
    )


def _check_loaded_files(
    manifest: Manifest,
    folder: Path,
    copy_dir: Path | None,
    schema: xmlschema.XMLSchema10,
    infos: Mapping[str, SchemaFileInfo],
) -> dict[str, tuple[str, ...]]:
    namespace_files: dict[str, list[str]] = defaultdict(list)
    outside: list[str] = []

    for loaded_schema in schema.maps.iter_schemas():
        if loaded_schema is schema or _bundle_path(loaded_schema.url, SCHEMAS_DIR) is not None:
            # The umbrella, or a schema that ships with xmlschema: the XSD
            # meta-schema, XMLSchema-instance.xsd or the xml.xsd used for
            # the XML namespace.
            continue

        path = _bundle_path(loaded_schema.url, folder, copy_dir)
        if path is None or path not in infos:
            outside.append(str(loaded_schema.url))
            continue
        namespace_files[loaded_schema.target_namespace].append(path)

    if outside:
        raise SchemaLoadError(f"bundle {manifest.name} loaded schemas that it does not list: {outside}")

    reached = {path for paths in namespace_files.values() for path in paths}
    not_reached = sorted(set(infos) - reached)
    if not_reached:
        raise SchemaLoadError(
            f"bundle {manifest.name} did not load {not_reached}; no chosen file in [locations] "
            "includes them"
        )

    return {namespace: tuple(sorted(paths)) for namespace, paths in sorted(namespace_files.items())}


# Building the model looks up the file of every component, among few distinct URLs.
@functools.lru_cache(maxsize=8192)
def _bundle_path(url: str | None, folder: Path, copy_dir: Path | None = None) -> str | None:
    if not url:
        return None

    parts = urlsplit(url)
    if parts.scheme not in ("file", ""):
        return None

    path = Path(os.path.normpath(url2pathname(parts.path) if parts.scheme else url))
    for root in (folder, copy_dir):
        relative = _relative_to(path, root) if root is not None else None
        if relative is not None:
            return relative
    return None


def _relative_to(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def _path_key(path: Path) -> str:
    return os.path.normpath(path)


def _namespace_of(qname: str) -> str:
    return qname[1 : qname.index("}")] if qname.startswith("{") else ""


def _local_name(qname: str) -> str:
    return qname[qname.index("}") + 1 :] if qname.startswith("{") else qname

