"""Write ``schemas/<bundle>/manifest.toml`` from the XSD folder in the stix-validator wheel.

Run ``python -m generator.manifest_tool stix-1.2`` for one bundle, ``--all``
for every known bundle, and ``--check`` to compare the stored manifests with
freshly generated ones without writing.

The manifest records which files the loader uses. Every choice that the
schemas themselves do not decide is made by a rule or a table in this
module, so running the tool again gives the same manifest:

- Files that declare the XML namespace are skipped, because the loader uses
  the copy of ``xml.xsd`` that ships with xmlschema.
- Files listed in ``HAND_SKIPPED`` are skipped with the reason given there.
- When a namespace is declared by files in more than one folder, the files
  of one folder are loaded and the others are skipped as duplicates. The
  folder is the one holding the file named in ``PREFERRED_FILES``, otherwise
  the folder nearest the bundle root.
- A file may import a namespace that no file of the bundle declares from a
  schemaLocation that names a loaded file of another namespace. STIX 1.2.1
  does this: its MAEC and CAPEC schemas import the MITRE CybOX namespaces
  from the CybOX files, which declare the OASIS namespaces. The manifest
  then records the import's namespace as renamed to the file's namespace,
  and the loader reads the importing files with that replacement.
- Any other file that imports a namespace no loaded file declares is
  skipped, and this repeats until no such file is left. This drops schemas
  that point at remote URLs or at namespaces the bundle does not ship.
- Module names and XML prefixes come from the rules in ``module_name_for``
  and ``prefix_candidates``, with the tables below for the rest.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.bundles import (
    MANIFEST_NAME,
    SCHEMAS_DIR,
    BundleError,
    ManifestError,
    check_module_names,
    check_prefixes,
    list_xsd_files,
    locate_distribution_folder,
    package_name,
    sha256_file,
)
from generator.load import XML_NAMESPACE, SchemaFileInfo, read_schema_file_info

logger = logging.getLogger(__name__)

DISTRIBUTION = "stix-validator"
DISTRIBUTION_VERSION = "3.0.0"
DISTRIBUTION_XSD_PATH = "sdv/resources/xsd"

# Bundle name -> folder under DISTRIBUTION_XSD_PATH.
BUNDLE_FOLDERS: Mapping[str, str] = {
    "stix-1.0": "stix_1.0",
    "stix-1.0.1": "stix_1.0.1",
    "stix-1.1": "stix_1.1",
    "stix-1.1.1": "stix_1.1.1",
    "stix-1.2": "stix_1.2",
    "stix-1.2.1": "stix_1.2.1",
}

CPE_LANGUAGE_NAMESPACE = "http://cpe.mitre.org/language/2.0"

XML_NAMESPACE_REASON = (
    "declares the XML namespace, which the loader takes from the xml.xsd that ships with "
    "xmlschema, so every bundle gets the same definition of xml:lang and xml:base"
)

# Entry schemas, in order: the first file of each group that the bundle
# loads becomes an entry. STIX 1.2.1 renamed the core files.
ENTRY_CANDIDATES: Sequence[Sequence[str]] = (
    ("stix_core.xsd", "core.xsd"),
    ("cybox/cybox_core.xsd", "cybox/core.xsd"),
)

# Bundle -> {file: reason} for files that load without errors but would give
# wrong bindings.
HAND_SKIPPED: Mapping[str, Mapping[str, str]] = {
    "stix-1.0": {
        "cybox/extensions/platform/cpe2.3.xsd": (
            "imports the CPE 2.3 language schema from "
            "http://scap.nist.gov/schema/cpe/2.3/cpe-language_2.3.xsd, which this bundle does not "
            "contain. Its only schema for http://cpe.mitre.org/language/2.0 is CPE 2.2a, so the "
            "extension would be built against the wrong CPE version"
        ),
    },
}

# Namespace -> (file name to load, reason given for the other files that
# declare the namespace). Used when the copies are different schemas, not
# copies of one schema.
PREFERRED_FILES: Mapping[str, tuple[str, str]] = {
    CPE_LANGUAGE_NAMESPACE: (
        "cpe-language_2.3.xsd",
        "CPE 2.2a language schema for the same namespace as {chosen} (CPE 2.3), which is loaded "
        "instead because the CybOX CPE 2.3 platform extension needs it. Imports of this file "
        "are redirected to {chosen}",
    ),
}

# Namespace -> module name for third-party schemas and for the files whose
# names the rules in module_name_for do not turn into readable names.
MODULE_OVERRIDES: Mapping[str, str] = {
    "http://capec.mitre.org/capec-2": "capec",
    "http://cpe.mitre.org/language/2.0": "cpe_language",
    "http://cpe.mitre.org/naming/2.0": "cpe_naming",
    "http://maec.mitre.org/XMLSchema/maec-bundle-4": "maec_bundle",
    "http://maec.mitre.org/XMLSchema/maec-container-2": "maec_container",
    "http://maec.mitre.org/XMLSchema/maec-package-2": "maec_package",
    "http://maec.mitre.org/default_vocabularies-1": "maec_vocabularies",
    "http://xml/metadataSharing.xsd": "maec_metadata_sharing",
    "http://oval.mitre.org/XMLSchema/oval-common-5": "oval_common",
    "http://oval.mitre.org/XMLSchema/oval-definitions-5": "oval_definitions",
    "http://oval.mitre.org/XMLSchema/oval-variables-5": "oval_variables",
    "http://purl.org/dc/elements/1.1/": "dublin_core",
    "http://scap.nist.gov/schema/cvss-v2/1.0": "cvss_v2",
    "http://scap.nist.gov/schema/scap-core/1.0": "scap_core",
    "http://schemas.mandiant.com/2010/ioc": "openioc",
    "http://schemas.mandiant.com/2010/ioc/TR/": "openioc_tr",
    "http://www.icasi.org/CVRF/schema/common/1.1": "cvrf_common",
    "http://www.icasi.org/CVRF/schema/cvrf/1.1": "cvrf",
    "http://www.icasi.org/CVRF/schema/prod/1.1": "cvrf_prod",
    "http://www.icasi.org/CVRF/schema/vuln/1.1": "cvrf_vuln",
    "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/2000/09/xmldsig#": "xmldsig",
    "urn:oasis:names:tc:ciq:ct:3": "ciq_common_types",
    "urn:oasis:names:tc:ciq:xal:3": "ciq_xal",
    "urn:oasis:names:tc:ciq:xnal:3": "ciq_xnal",
    "urn:oasis:names:tc:ciq:xnl:3": "ciq_xnl",
    "urn:oasis:names:tc:ciq:xpil:3": "ciq_xpil",
    "http://cybox.mitre.org/extensions/platform#CPE2.3-1": "cybox_cpe_platform",
    "http://docs.oasis-open.org/cti/ns/cybox/platform/cpe-2.3-1": "cybox_cpe_platform",
    # STIX 1.2.1 spells the file "openioc", the earlier releases "open_ioc".
    "http://stix.mitre.org/extensions/TestMechanism#OpenIOC2010-1": "openioc_test_mechanism",
}

# Namespace -> prefix, used before the rules in prefix_candidates. Entries
# here settle prefixes that the schemas leave out or that collide.
PREFIX_OVERRIDES: Mapping[str, str] = {
    # Both OpenIOC schemas bind their namespace to "tns".
    "http://schemas.mandiant.com/2010/ioc": "ioc",
    "http://schemas.mandiant.com/2010/ioc/TR/": "ioc-tr",
    # Both CPE schemas bind their namespace to "cpe".
    "http://cpe.mitre.org/language/2.0": "cpe",
    "http://cpe.mitre.org/naming/2.0": "cpe-name",
    # The CIQ schemas use these prefixes for each other, while the STIX
    # extensions that import them use one-letter prefixes such as "a" and "n".
    "urn:oasis:names:tc:ciq:ct:3": "ct",
    "urn:oasis:names:tc:ciq:xal:3": "xal",
    "urn:oasis:names:tc:ciq:xnal:3": "xnal",
    "urn:oasis:names:tc:ciq:xnl:3": "xnl",
    "urn:oasis:names:tc:ciq:xpil:3": "xpil",
}

# Namespace -> prefix for namespaces that no file binds to a prefix.
PREFIX_FALLBACKS: Mapping[str, str] = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://scap.nist.gov/schema/cvss-v2/1.0": "cvssv2",
    "http://scap.nist.gov/schema/scap-core/1.0": "scap-core",
    # The prefix the MAEC package schema binds, for a bundle that loads
    # metadataSharing.xsd but skips the MAEC package schema.
    "http://xml/metadataSharing.xsd": "metadata",
    "http://cybox.mitre.org/extensions/Address#CIQAddress3.0-1": "ciqAddress",
    "http://docs.oasis-open.org/cti/ns/cybox/address/ciq-address-3.0-1": "ciqAddress",
    "http://cybox.mitre.org/extensions/platform#CPE2.3-1": "cpe23Platform",
    "http://docs.oasis-open.org/cti/ns/cybox/platform/cpe-2.3-1": "cpe23Platform",
    "http://stix.mitre.org/extensions/AP#CAPEC2.5-1": "stix-capec",
    "http://stix.mitre.org/extensions/AP#CAPEC2.6-1": "stix-capec",
    "http://stix.mitre.org/extensions/Address#CIQAddress3.0-1": "stix-ciqaddress",
    "http://stix.mitre.org/extensions/Identity#CIQIdentity3.0-1": "stix-ciqidentity",
    "http://stix.mitre.org/extensions/Malware#MAEC4.0-1": "stix-maec",
    "http://stix.mitre.org/extensions/StructuredCOA#Generic-1": "genericStructuredCOA",
    "http://stix.mitre.org/extensions/TestMechanism#Generic-1": "genericTM",
    "http://stix.mitre.org/extensions/TestMechanism#OVAL5.10-1": "stix-oval",
    "http://stix.mitre.org/extensions/TestMechanism#OpenIOC2010-1": "stix-openioc",
    "http://stix.mitre.org/extensions/TestMechanism#Snort-1": "snortTM",
    "http://stix.mitre.org/extensions/TestMechanism#YARA-1": "yaraTM",
    "http://stix.mitre.org/extensions/Vulnerability#CVRF-1": "stix-cvrf",
}

# Prefixes such as "ns1" are written by tools, not chosen by the authors.
_GENERATED_PREFIX = re.compile(r"ns\d+")
_VERSION_TOKEN = re.compile(r"v?\d+[a-z]?")


@dataclass
class BundleLayout:
    """The loader's view of a bundle: what is loaded, skipped and chosen."""

    folder: Path
    files: dict[str, SchemaFileInfo]
    skipped: dict[str, str]
    renamed: dict[str, str]
    locations: dict[str, str]
    loaded_by_namespace: dict[str, list[str]]


def plan_bundle(bundle: str, folder: Path, files: Mapping[str, SchemaFileInfo]) -> BundleLayout:
    """Decide which files to load and which file stands for each namespace."""
    skipped: dict[str, str] = {}

    for path, schema_file in files.items():
        if schema_file.namespace == XML_NAMESPACE:
            skipped[path] = XML_NAMESPACE_REASON

    for path, reason in HAND_SKIPPED.get(bundle, {}).items():
        if path not in files:
            raise BundleError(f"HAND_SKIPPED names {path}, which bundle {bundle} does not contain")
        skipped[path] = reason

    _skip_duplicate_folders(folder, files, skipped)
    renamed = _resolve_imports(files, skipped)

    loaded_by_namespace: dict[str, list[str]] = defaultdict(list)
    for path in sorted(files):
        if path not in skipped:
            loaded_by_namespace[files[path].namespace].append(path)

    declared_count = Counter(schema_file.namespace for schema_file in files.values())
    locations: dict[str, str] = {}
    for namespace, paths in sorted(loaded_by_namespace.items()):
        if declared_count[namespace] > 1:
            locations[namespace] = _root_file(namespace, paths, files)

    return BundleLayout(
        folder=folder,
        files=dict(files),
        skipped=skipped,
        renamed=renamed,
        locations=locations,
        loaded_by_namespace=dict(loaded_by_namespace),
    )


def _skip_duplicate_folders(
    folder: Path, files: Mapping[str, SchemaFileInfo], skipped: dict[str, str]
) -> None:
    folders_by_namespace: dict[str, set[str]] = defaultdict(set)
    for path, schema_file in files.items():
        if path not in skipped:
            folders_by_namespace[schema_file.namespace].add(schema_file.folder)

    for namespace, folders in sorted(folders_by_namespace.items()):
        if len(folders) < 2:
            continue

        chosen_folder = _choose_folder(namespace, folders, files, skipped)
        chosen_files = sorted(
            path
            for path, schema_file in files.items()
            if schema_file.namespace == namespace
            and schema_file.folder == chosen_folder
            and path not in skipped
        )

        for path, schema_file in sorted(files.items()):
            if schema_file.namespace != namespace or schema_file.folder == chosen_folder:
                continue
            if path in skipped:
                continue

            if namespace in PREFERRED_FILES:
                template = PREFERRED_FILES[namespace][1]
                chosen = next(p for p in chosen_files if p.endswith("/" + PREFERRED_FILES[namespace][0]))
                skipped[path] = template.format(chosen=chosen)
                continue

            counterpart = str(PurePosixPath(chosen_folder, PurePosixPath(path).name))
            if counterpart in files and counterpart not in skipped:
                skipped[path] = f"copy of {counterpart}{_compare_copies(folder, path, counterpart)}"
            else:
                skipped[path] = (
                    f"declares {namespace}, which the files in {chosen_folder}/ also declare; "
                    "only those are loaded"
                )


def _choose_folder(
    namespace: str,
    folders: Iterable[str],
    files: Mapping[str, SchemaFileInfo],
    skipped: Mapping[str, str],
) -> str:
    if namespace in PREFERRED_FILES:
        preferred_name = PREFERRED_FILES[namespace][0]
        matches = sorted(
            schema_file.folder
            for path, schema_file in files.items()
            if schema_file.namespace == namespace
            and PurePosixPath(path).name == preferred_name
            and path not in skipped
        )
        if len(matches) != 1:
            raise BundleError(
                f"PREFERRED_FILES expects exactly one {preferred_name} for {namespace}, found {matches}"
            )
        return matches[0]

    # The copy nearest the bundle root is the one the STIX schemas import.
    # The deeper copies ship inside the CybOX folder for CybOX's own use.
    return min(folders, key=lambda folder: (len(PurePosixPath(folder).parts), folder))


def _compare_copies(folder: Path, copy: str, chosen: str) -> str:
    copy_text = (folder / copy).read_bytes()
    chosen_text = (folder / chosen).read_bytes()
    if copy_text == chosen_text:
        return " (identical)"

    if _normalize_newlines(copy_text) == _normalize_newlines(chosen_text):
        return " (same text apart from line endings)"

    return " (the text differs; the copy nearest the bundle root is loaded)"


def _normalize_newlines(text: bytes) -> bytes:
    return text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _resolve_imports(files: Mapping[str, SchemaFileInfo], skipped: dict[str, str]) -> dict[str, str]:
    """Skip the files whose imports cannot be resolved and return the namespace renames.

    An import of a namespace that no file of the bundle declares, from a
    schemaLocation naming a loaded file of another namespace, becomes a
    rename to that file's namespace. Every importer of the old namespace
    must point at files of the same new namespace, otherwise the later
    importers (in path order) are skipped.
    """
    declared_anywhere = {schema_file.namespace for schema_file in files.values()}

    # Skipping one file can leave another importing a namespace that no
    # loaded file declares any more, so repeat until nothing changes.
    while True:
        declared = {f.namespace for path, f in files.items() if path not in skipped}
        renamed: dict[str, str] = {}
        changed = False

        for path, schema_file in sorted(files.items()):
            if path in skipped:
                continue

            for namespace, location in schema_file.imports:
                if namespace == XML_NAMESPACE or namespace in declared:
                    continue

                replacement = None
                if namespace not in declared_anywhere:
                    replacement = _imported_file_namespace(schema_file, location, files, skipped)
                if replacement is not None and renamed.setdefault(namespace, replacement) == replacement:
                    continue

                if replacement is not None:
                    skipped[path] = (
                        f"imports {namespace} from a file of {replacement}, while other files import it "
                        f"from a file of {renamed[namespace]}"
                    )
                else:
                    skipped[path] = _describe_missing_import(schema_file, namespace, location, files, skipped)
                changed = True
                break

        if not changed:
            return renamed


def _imported_file_namespace(
    schema_file: SchemaFileInfo,
    location: str | None,
    files: Mapping[str, SchemaFileInfo],
    skipped: Mapping[str, str],
) -> str | None:
    """Return the namespace of the loaded bundle file that ``location`` names, if there is one."""
    if location is None:
        return None

    target = schema_file.resolve(location)
    if target is None or target not in files or target in skipped:
        return None

    return files[target].namespace or None


def _describe_missing_import(
    schema_file: SchemaFileInfo,
    namespace: str,
    location: str | None,
    files: Mapping[str, SchemaFileInfo],
    skipped: Mapping[str, str],
) -> str:
    reason = f"imports {namespace}, which no loaded file of this bundle declares"
    if location is None:
        return reason

    target = schema_file.resolve(location)
    if target is None:
        return f"{reason} (schemaLocation {location})"

    if target not in files:
        return f"{reason} (schemaLocation {location} does not exist)"

    if files[target].namespace == namespace:
        return f"{reason} (schemaLocation {target} is skipped)"

    return f"{reason} (schemaLocation {target} declares {files[target].namespace or 'no namespace'})"


def _root_file(namespace: str, paths: Sequence[str], files: Mapping[str, SchemaFileInfo]) -> str:
    included = set()
    for path in paths:
        for location in files[path].includes:
            target = files[path].resolve(location)
            if target is not None:
                included.add(target)

    roots = [path for path in paths if path not in included]
    if len(roots) != 1:
        raise BundleError(
            f"namespace {namespace} has loaded files {list(paths)} but no single file that includes "
            f"the others (candidates: {roots}); add the namespace to PREFERRED_FILES"
        )

    return roots[0]


def module_name_for(path: str, namespace: str) -> str:
    """Return the Python module name for the namespace whose main file is ``path``.

    ``MODULE_OVERRIDES`` wins. Otherwise the name is the file's stem in
    lower_snake case without version numbers, so ``capec_2.7_attack_pattern.xsd``
    gives ``capec_attack_pattern``. The folder adds context: CybOX core files
    get a ``cybox_`` prefix, CybOX extensions ``cybox_``, STIX core files
    with generic names a ``stix_`` prefix, and STIX extensions the
    extension kind (``tlp.xsd`` under ``extensions/marking`` gives
    ``tlp_marking``).
    """
    if namespace in MODULE_OVERRIDES:
        return MODULE_OVERRIDES[namespace]

    parts = PurePosixPath(path).parts
    words = _words(PurePosixPath(path).stem)
    if words[:1] == ["default"] or words[1:2] == ["default"]:
        words = [word for word in words if word != "default"]

    if len(parts) == 1:
        if words[:1] != ["stix"] and "_".join(words) in {"core", "common", "vocabularies"}:
            words = ["stix", *words]
        return "_".join(words)

    if parts[0] == "cybox" and len(parts) == 2:
        if words[:1] != ["cybox"]:
            words = ["cybox", *words]
        return "_".join(words)

    if parts[0] == "cybox" and parts[1] == "objects":
        return "_".join(words)

    if parts[0] == "cybox" and parts[1] == "extensions":
        return "_".join(["cybox", *words])

    if parts[0] == "extensions" and len(parts) == 3:
        kind = _words(parts[1])
        if "_".join(kind) not in "_".join(words):
            words = [*words, *kind]
        return "_".join(words)

    logger.warning(
        "no module name rule for %s (%s); using its file name, add it to MODULE_OVERRIDES",
        namespace,
        path,
    )
    return "_".join(words)


def _words(name: str) -> list[str]:
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    without_versions = [word for word in words if not _VERSION_TOKEN.fullmatch(word)]
    return without_versions or words


def prefix_candidates(namespace: str, main_file: SchemaFileInfo, loaded: Iterable[SchemaFileInfo]) -> list[str]:
    """Return prefixes for ``namespace``, best first.

    The order is: ``PREFIX_OVERRIDES``, the prefixes the namespace's own main
    file binds to it, the prefixes other loaded files bind to it (most used
    first), then ``PREFIX_FALLBACKS``. Default namespaces and generated
    prefixes such as ``ns1`` are left out.
    """
    candidates: list[str] = []

    if namespace in PREFIX_OVERRIDES:
        candidates.append(PREFIX_OVERRIDES[namespace])

    for prefix, uri in main_file.bindings:
        if uri == namespace and _is_chosen_prefix(prefix):
            candidates.append(prefix)

    usage: Counter[str] = Counter()
    for schema_file in loaded:
        if schema_file.path == main_file.path:
            continue
        for prefix, uri in schema_file.bindings:
            if uri == namespace and _is_chosen_prefix(prefix):
                usage[prefix] += 1
    candidates.extend(prefix for prefix, _ in sorted(usage.items(), key=lambda item: (-item[1], item[0])))

    if namespace in PREFIX_FALLBACKS:
        candidates.append(PREFIX_FALLBACKS[namespace])

    return list(dict.fromkeys(candidates))


def _is_chosen_prefix(prefix: str) -> bool:
    return bool(prefix) and not _GENERATED_PREFIX.fullmatch(prefix) and not prefix.lower().startswith("xml")


def build_manifest_text(bundle: str, folder: Path) -> str:
    """Return the text of the manifest for ``bundle`` built from the XSD files in ``folder``."""
    version = bundle.removeprefix("stix-")
    files = {path: read_schema_file_info(folder, path) for path in list_xsd_files(folder)}
    if not files:
        raise BundleError(f"no .xsd files found under {folder}")

    layout = plan_bundle(bundle, folder, files)

    modules: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    loaded_files = [files[path] for paths in layout.loaded_by_namespace.values() for path in paths]
    missing_prefixes: list[str] = []

    for namespace, paths in sorted(layout.loaded_by_namespace.items()):
        main_path = layout.locations.get(namespace, paths[0])
        modules[namespace] = module_name_for(main_path, namespace)

        candidates = prefix_candidates(namespace, files[main_path], loaded_files)
        if candidates:
            prefixes[namespace] = candidates[0]
        else:
            missing_prefixes.append(namespace)

    if missing_prefixes:
        raise BundleError(
            f"no XML prefix found for {missing_prefixes} in bundle {bundle}; add them to PREFIX_FALLBACKS"
        )

    check_module_names(modules, source=f"bundle {bundle}")
    check_prefixes(prefixes, source=f"bundle {bundle}")

    entry = []
    for group in ENTRY_CANDIDATES:
        found = [path for path in group if path in files and path not in layout.skipped]
        if not found:
            raise BundleError(f"bundle {bundle} loads none of the entry files {list(group)}")
        entry.append(found[0])

    return _render(
        bundle=bundle,
        version=version,
        folder_name=folder.name,
        entry=entry,
        layout=layout,
        modules=modules,
        prefixes=prefixes,
    )


def _render(
    bundle: str,
    version: str,
    folder_name: str,
    entry: Sequence[str],
    layout: BundleLayout,
    modules: Mapping[str, str],
    prefixes: Mapping[str, str],
) -> str:
    lines = [
        f"# Schema bundle {bundle}. Written by `python -m generator.manifest_tool {bundle}`;",
        "# change the rules and tables in generator/manifest_tool.py rather than this file.",
        "#",
        "# [files]     every .xsd file in the distribution folder -> sha256",
        "# [locations] namespace -> the file that the loader imports it from, for each",
        "#             namespace that more than one file declares. The XML namespace has",
        "#             no entry, because xmlschema's own xml.xsd is used for it.",
        "# [skipped]   file -> why the loader does not use it",
        "# [renamed]   namespace that files import but no file declares -> the namespace",
        "#             of the file their schemaLocation names, which the loader puts in",
        "#             its place when it reads those files",
        "# [modules]   namespace -> Python module name",
        "# [prefixes]  namespace -> preferred XML namespace prefix",
        "",
        "[bundle]",
        f"name = {_toml_string(bundle)}",
        f"version = {_toml_string(version)}",
        f"package = {_toml_string(package_name(version))}",
        f"distribution = {_toml_string(DISTRIBUTION)}",
        f"distribution_version = {_toml_string(DISTRIBUTION_VERSION)}",
        f"path = {_toml_string(f'{DISTRIBUTION_XSD_PATH}/{folder_name}')}",
        "entry = [" + ", ".join(_toml_string(path) for path in entry) + "]",
    ]

    tables: list[tuple[str, Mapping[str, str]]] = [
        ("locations", layout.locations),
        ("skipped", layout.skipped),
        ("renamed", layout.renamed),
        ("modules", modules),
        ("prefixes", prefixes),
        ("files", {path: sha256_file(layout.folder / path) for path in layout.files}),
    ]
    for title, table in tables:
        lines.extend(["", f"[{title}]"])
        lines.extend(f"{_toml_string(key)} = {_toml_string(value)}" for key, value in sorted(table.items()))

    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in {'"', "\\"}:
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def write_manifest(bundle: str, output_dir: Path, check: bool) -> bool:
    """Write or check the manifest of one bundle; return False when a check finds it outdated."""
    if bundle not in BUNDLE_FOLDERS:
        raise ManifestError(f"unknown bundle {bundle!r}; known bundles: {', '.join(BUNDLE_FOLDERS)}")

    folder = locate_distribution_folder(
        DISTRIBUTION,
        f"{DISTRIBUTION_XSD_PATH}/{BUNDLE_FOLDERS[bundle]}",
        DISTRIBUTION_VERSION,
        bundle,
    )
    text = build_manifest_text(bundle, folder)
    target = output_dir / bundle / MANIFEST_NAME

    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            logger.error("%s is missing or outdated; run python -m generator.manifest_tool %s", target, bundle)
            return False
        logger.info("%s is up to date", target)
        return True

    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    logger.info("wrote %s", target)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line tool and return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m generator.manifest_tool",
        description="Write schemas/<bundle>/manifest.toml from the XSD files in the stix-validator wheel.",
    )
    parser.add_argument("bundles", nargs="*", metavar="BUNDLE", help=f"bundle names: {', '.join(BUNDLE_FOLDERS)}")
    parser.add_argument("--all", action="store_true", help="process every known bundle")
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare the stored manifests with generated ones and exit with status 1 if any differ",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=SCHEMAS_DIR,
        help="folder that contains one subfolder per bundle (default: the repository's schemas/)",
    )
    arguments = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    bundles = list(BUNDLE_FOLDERS) if arguments.all else arguments.bundles
    if not bundles:
        parser.error("give at least one bundle name or --all")

    all_current = True
    try:
        for bundle in bundles:
            all_current = write_manifest(bundle, arguments.output_dir, arguments.check) and all_current
    except BundleError as error:
        logger.error("%s", error)
        return 2

    return 0 if all_current else 1


if __name__ == "__main__":
    sys.exit(main())
