"""Generate, write and import a bindings package from small XSDs written for the tests.

`generated_package` writes the schemas and a manifest into a folder, runs the
generator pipeline, writes the package under a name no other test uses, puts
its folder on `sys.path` and imports it.  On exit it takes the folder off
`sys.path` again and removes the package's modules from `sys.modules`.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import re
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from generator.bundles import load_manifest
from generator.pipeline import Generation, generate
from generator.write import write_package

XSD_DIR = Path(__file__).resolve().parent / "xsd"

_package_numbers = itertools.count(1)


@dataclass
class GeneratedPackage:
    """A generated package that the test imported, with the generator's result."""

    name: str
    package: ModuleType
    generation: Generation
    folder: Path

    def module(self, name: str) -> ModuleType:
        """Import and return one module of the package."""
        return importlib.import_module(f"{self.name}.{name}")

    def source(self, name: str) -> str:
        """Return the text of one generated module."""
        return self.generation.files[f"{name}.py"]


def write_schemas(folder: Path, schemas: Mapping[str, str]) -> Path:
    """Write each schema text (dedented) under `folder`, by relative path, and return `folder`."""
    for relative, text in schemas.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


def write_manifest(
    folder: Path,
    *,
    name: str,
    entry: list[str],
    modules: Mapping[str, str],
    prefixes: Mapping[str, str] | None = None,
    locations: Mapping[str, str] | None = None,
) -> Path:
    """Write a manifest for a custom bundle (no checksums, every .xsd file loaded) and return its path.

    `locations` names the file to load for a namespace that several files declare.
    """
    lines = [
        "[bundle]",
        f"name = {json.dumps(name)}",
        'version = "0"',
        f"package = {json.dumps(_identifier(name))}",
        f"entry = {json.dumps(entry)}",
        "",
        "[modules]",
    ]
    lines += [f"{json.dumps(namespace)} = {json.dumps(module)}" for namespace, module in modules.items()]
    lines += ["", "[prefixes]"]
    lines += [f"{json.dumps(namespace)} = {json.dumps(prefix)}" for namespace, prefix in (prefixes or {}).items()]
    lines += ["", "[locations]"]
    lines += [f"{json.dumps(namespace)} = {json.dumps(path)}" for namespace, path in (locations or {}).items()]
    path = folder / "manifest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def generate_files(
    folder: Path,
    schemas: Mapping[str, str] | Path,
    *,
    modules: Mapping[str, str],
    prefixes: Mapping[str, str] | None = None,
    locations: Mapping[str, str] | None = None,
    package_name: str = "bindings",
) -> Generation:
    """Run the generator on `schemas` (texts by relative path, or a folder of XSD files)."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(schemas, Path):
        xsd_dir = schemas
        entry = sorted(path.relative_to(xsd_dir).as_posix() for path in xsd_dir.rglob("*.xsd"))
    else:
        xsd_dir = write_schemas(folder / "xsd", schemas)
        entry = sorted(schemas)
    manifest = load_manifest(
        write_manifest(
            folder,
            name=f"test-{package_name}",
            entry=entry,
            modules=modules,
            prefixes=prefixes,
            locations=locations,
        )
    )
    return generate(manifest, xsd_dir=xsd_dir, package_name=package_name)


@contextlib.contextmanager
def generated_package(
    folder: Path,
    schemas: Mapping[str, str] | Path,
    *,
    modules: Mapping[str, str],
    prefixes: Mapping[str, str] | None = None,
    locations: Mapping[str, str] | None = None,
) -> Iterator[GeneratedPackage]:
    """Generate a package from `schemas` into `folder`, import it, and yield it."""
    name = f"xsdtest_{_identifier(folder.name)}_{next(_package_numbers)}"
    generation = generate_files(
        folder, schemas, modules=modules, prefixes=prefixes, locations=locations, package_name=name
    )

    output = folder / "out"
    write_package(generation.files, output / name)
    sys.path.insert(0, str(output))
    try:
        package = importlib.import_module(name)
        yield GeneratedPackage(name=name, package=package, generation=generation, folder=output / name)
    finally:
        sys.path.remove(str(output))
        for module_name in [key for key in sys.modules if key == name or key.startswith(name + ".")]:
            del sys.modules[module_name]


def _identifier(text: str) -> str:
    return re.sub(r"\W", "_", text).strip("_").lower() or "bundle"
