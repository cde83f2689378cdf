"""Run the generator's stages in order: load, build, shape, name, render.

The order matters: shaping needs every class built (a wrapper is recognised by
its child's class), naming needs the shapes (a list field gets a plural name),
and rendering needs every name.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from .build import Report, build_package
from .bundles import Manifest
from .load import load_bundle
from .model import Package
from .naming import name_package
from .render import render_package
from .shape import shape_fields

log = logging.getLogger("generator")


@dataclass
class Generation:
    """The result of one run: the rendered files and what it took to make them."""

    package: Package
    files: dict[str, str]
    report: Report
    schema_files: int
    load_seconds: float
    total_seconds: float

    def summary(self) -> str:
        classes = len(self.package.classes)
        named = sum(1 for cls in self.package.classes.values() if not cls.anonymous)
        return (
            f"{self.package.bundle}: {self.schema_files} schema files, {len(self.package.modules)} modules, "
            f"{classes} classes ({named} named complex types, {classes - named} anonymous), "
            f"{len(self.package.enumerations)} enumerations, {len(self.report.warnings)} warnings, "
            f"{self.total_seconds:.2f} s (schema loading {self.load_seconds:.2f} s)"
        )


def generate(
    manifest: Manifest,
    *,
    xsd_dir: Path | None = None,
    package_name: str | None = None,
    template_dirs: list[Path] | None = None,
    validate_schemas: bool = False,
) -> Generation:
    """Generate the bindings of a bundle and return the rendered files (nothing is written).

    ``validate_schemas=True`` checks every XSD file against the XSD
    meta-schema, even those whose checksums match the manifest.
    """
    started = time.perf_counter()
    loaded = load_bundle(manifest, xsd_dir, validate_schemas=validate_schemas)
    report = Report()

    for path, reason in sorted(manifest.skipped.items()):
        log.info("schema file %s is not loaded: %s", path, reason)

    def schema_file(url: str) -> str:
        if not url:
            return "(built in)"
        return loaded.bundle_path(url) or Path(url.removeprefix("file://")).name

    modules = dict(manifest.modules)
    package = build_package(
        loaded.schema,
        package=package_name or manifest.package,
        bundle=manifest.name,
        modules=modules,
        prefixes=dict(manifest.prefixes),
        schema_file=schema_file,
        report=report,
    )
    shape_fields(package)
    name_package(package, modules, report)
    files = render_package(package, template_dirs)

    generation = Generation(
        package=package,
        files=files,
        report=report,
        schema_files=sum(len(paths) for paths in loaded.namespace_files.values()),
        load_seconds=loaded.load_seconds,
        total_seconds=time.perf_counter() - started,
    )
    log.info("%s", generation.summary())
    return generation
