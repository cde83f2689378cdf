"""The `stixgen` command line: fetch schemas, generate bindings, round-trip documents.

Bad input gets one line on standard error and exit status 2; ``--debug``
shows the traceback too.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .bundles import BundleError, available_bundles, fetch, load_manifest

log = logging.getLogger("generator")

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = "stix-1.2"
EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


class UsageError(Exception):
    """Input the command cannot use; reported in one line with exit status 2."""


def _default_output(package: str) -> Path:
    return REPOSITORY / "generated" / package


def committed_bundles() -> list[str]:
    """Return the bundles whose generated package is in this repository."""
    return [
        name
        for name in available_bundles()
        if (REPOSITORY / "generated" / load_manifest(name).package).is_dir()
    ]


def command_fetch(arguments: argparse.Namespace) -> int:
    for name in arguments.bundle or committed_bundles() or [DEFAULT_BUNDLE]:
        manifest = load_manifest(name)
        folder = fetch(manifest, arguments.destination)
        print(f"{manifest.name}: {len(manifest.files)} XSD files verified in {folder}")
    return EXIT_OK


def command_generate(arguments: argparse.Namespace) -> int:
    from .pipeline import generate
    from .write import differing_files, write_package

    manifest = load_manifest(arguments.bundle)
    xsd_dir = arguments.xsd_dir
    if xsd_dir is None:
        xsd_dir = fetch(manifest)

    package_name = arguments.package or manifest.package
    if not package_name.isidentifier():
        raise UsageError(f"package name {package_name!r} is not a Python identifier")
    output = arguments.output or _default_output(package_name)
    templates = [arguments.templates] if arguments.templates else None

    generation = generate(
        manifest,
        xsd_dir=xsd_dir,
        package_name=package_name,
        template_dirs=templates,
        validate_schemas=arguments.validate_schemas,
    )
    print(generation.summary())

    if arguments.check:
        differing = differing_files(generation.files, output)
        if differing:
            print(f"{output} is stale; {len(differing)} files differ from what the schemas and templates give:")
            for relative in differing:
                print(f"  {relative}")
            output_option = f" --output {output}" if arguments.output else ""
            print(f"regenerate with: stixgen generate --bundle {manifest.name}{output_option}")
            return EXIT_FAILED
        print(f"{output} is up to date ({len(generation.files)} files)")
        return EXIT_OK

    changed = write_package(generation.files, output)
    print(f"wrote {len(changed)} changed files of {len(generation.files)} to {output}")
    return EXIT_OK


def command_roundtrip(arguments: argparse.Namespace) -> int:
    from generated.runtime import (
        BindingError,
        DocumentError,
        TypeDerivationError,
        UnexpectedContentError,
        read_document,
    )

    from .infoset import compare_documents

    # Without --bundle, generated.parse picks the bundle from each document's root.
    if arguments.bundle is None:
        package = importlib.import_module("generated")
    else:
        manifest = load_manifest(arguments.bundle)
        committed = committed_bundles()
        if manifest.name not in committed:
            raise UsageError(
                f"bundle {manifest.name} has no generated package in {REPOSITORY / 'generated'}; "
                f"roundtrip reads with the committed packages ({', '.join(committed)}), "
                f"so generate one there with: stixgen generate --bundle {manifest.name}"
            )
        package = importlib.import_module(f"generated.{manifest.package}")
    failures = 0
    unusable = 0
    for path in arguments.files:
        try:
            obj = package.parse(path, strict=not arguments.lenient)
            written = obj.to_bytes()
            original = read_document(path)
        except BindingError as error:
            if arguments.debug:
                raise
            # A document error names its file already.
            named = isinstance(error, DocumentError) and error.source is not None
            message = str(error) if named else f"{path}: {error}"
            if isinstance(error, (UnexpectedContentError, TypeDerivationError)):
                message += " (--lenient keeps content that the schema does not allow)"
            print(f"stixgen: error: {' '.join(message.splitlines())}", file=sys.stderr)
            unusable += 1
            continue

        differences = compare_documents(original, written)
        if differences:
            failures += 1
            print(f"{path}: DIFFERENT ({len(differences)} differences)")
            for difference in differences[: arguments.show]:
                print(f"  line {difference.line}: {difference.path}: {difference.message}")
        else:
            print(f"{path}: equal")

    total = len(arguments.files)
    print(f"{total - failures - unusable} of {total} documents round-trip without loss")
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_FAILED if failures else EXIT_OK


def command_validate(arguments: argparse.Namespace) -> int:
    from generated.runtime import DocumentError

    from .validation import validate_files

    if arguments.bundle is not None:
        load_manifest(arguments.bundle)

    invalid = 0
    unusable = 0
    for path in arguments.files:
        try:
            # `validate_files` yields once per path; one path at a time keeps errors apart.
            for name, issues in validate_files([path], arguments.bundle):
                for issue in issues:
                    print(issue)
                if issues:
                    invalid += 1
                    print(f"{name}: INVALID ({len(issues)} error{'s' if len(issues) != 1 else ''})")
                else:
                    print(f"{name}: valid")
        except DocumentError as error:
            if arguments.debug:
                raise
            message = str(error) if error.source is not None else f"{path}: {error}"
            print(f"stixgen: error: {' '.join(message.splitlines())}", file=sys.stderr)
            unusable += 1

    total = len(arguments.files)
    print(f"{total - invalid - unusable} of {total} documents are valid")
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_FAILED if invalid else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    bundles = ", ".join(available_bundles()) or "none found"
    parser = argparse.ArgumentParser(
        prog="stixgen",
        description="Generate typed Python bindings from the STIX 1.x XML Schemas, and use them.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("-v", "--verbose", action="store_true", help="show informational logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fetch_parser = commands.add_parser(
        "fetch", help="extract a bundle's XSDs from the installed stix-validator wheel and verify them"
    )
    fetch_parser.add_argument(
        "--bundle",
        action="append",
        help=f"bundle name (repeatable; default: every bundle with a package in generated/; known: {bundles})",
    )
    fetch_parser.add_argument("--destination", type=Path, help="folder to fill (default: schemas/BUNDLE/xsd)")
    fetch_parser.set_defaults(handler=command_fetch)

    generate_parser = commands.add_parser("generate", help="generate the bindings package of a bundle")
    generate_parser.add_argument(
        "--bundle", default=DEFAULT_BUNDLE, help=f"bundle name or manifest path (default {DEFAULT_BUNDLE}; known: {bundles})"
    )
    generate_parser.add_argument("--output", type=Path, help="package folder to write (default: generated/PACKAGE)")
    generate_parser.add_argument("--package", help="Python package name (default: the manifest's)")
    generate_parser.add_argument("--xsd-dir", type=Path, help="folder of the bundle's XSD files (default: fetch them)")
    generate_parser.add_argument(
        "--templates", type=Path, help="folder of templates that override the built-in ones by file name"
    )
    generate_parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and list the files that differ if the output is stale"
    )
    generate_parser.add_argument(
        "--validate-schemas",
        action="store_true",
        help="check every XSD file against the XSD meta-schema, also the files of a bundle in schemas/ "
        "whose checksums match its manifest (which skip that check by default)",
    )
    generate_parser.set_defaults(handler=command_generate)

    roundtrip_parser = commands.add_parser(
        "roundtrip",
        help="read each document, write it back, and say whether the two are equal",
        description="Read each document, write it back, and compare the two as XML information sets. "
        "Exit status: 0 when every document is equal, 1 when one differs, 2 when one cannot be read.",
    )
    roundtrip_parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="STIX or CybOX XML document")
    roundtrip_parser.add_argument(
        "--bundle", help="bundle whose package reads every file (default: chosen per document by its root element)"
    )
    roundtrip_parser.add_argument(
        "--lenient", action="store_true", help="keep content the schema does not allow instead of rejecting it"
    )
    roundtrip_parser.add_argument("--show", type=int, default=5, help="differences to show per document (default 5)")
    roundtrip_parser.set_defaults(handler=command_roundtrip)

    validate_parser = commands.add_parser(
        "validate",
        help="validate documents against their bundle's XML Schemas and list every error",
        description="Validate documents against their bundle's XML Schemas and list every error. "
        "Exit status: 0 when every document is valid, 1 when one is invalid, 2 when one cannot be read.",
    )
    validate_parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="STIX or CybOX XML document")
    validate_parser.add_argument(
        "--bundle", help="bundle to validate every file against (default: chosen per document by its root element)"
    )
    validate_parser.set_defaults(handler=command_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)

    level = logging.WARNING
    if arguments.verbose:
        level = logging.INFO
    if arguments.debug:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")

    try:
        return int(arguments.handler(arguments))
    except (BundleError, UsageError, OSError) as error:
        if arguments.debug:
            raise
        print(f"stixgen: error: {error}", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
