"""Schema validation of documents and object trees.

Validation needs the `xmlschema` package and the bundle's XSD files, which
the generator's schema loader reads; the generated bindings need only lxml.
This module therefore contains the result type and the functions that
objects and packages call, and imports the validator (`generator.validation`)
on the first call. Raises `ValidationUnavailableError` when that is not
installed or the bundle's XSD files have not been fetched.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ValidationUnavailableError
from .xmlio import Source, read_document, source_name

if TYPE_CHECKING:
    from .bundle import Bundle
    from .objects import ComplexObject


@dataclass(frozen=True)
class ValidationIssue:
    """One way in which a document breaks its schema.

    `line` is None for elements built through the API; `path` is the
    element path with the document's own prefixes, ending in ``/@name`` for
    an attribute.
    """

    message: str
    line: int | None = None
    path: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = [part for part in (self.source, _line(self.line), self.path) if part]
        return f"{': '.join(where)}: {self.message}" if where else self.message


def _line(line: int | None) -> str | None:
    return None if line is None else f"line {line}"


def validate_document(source: Source, bundle: Bundle | str) -> list[ValidationIssue]:
    """Read a document with the safe parser and return every schema error (an empty list if valid).

    `bundle` is a generated package's `Bundle` or a bundle name such as
    ``"stix-1.2"``. Raises `DocumentError` when the input is not usable XML.
    """
    name = bundle if isinstance(bundle, str) else bundle.name
    tree = read_document(source)
    issues: list[ValidationIssue] = _validator(name).validate_tree(tree, source=source_name(source))
    return issues


def validate_object(obj: ComplexObject) -> list[ValidationIssue]:
    """Return every schema error in the subtree of `obj` (an empty list if it is valid).

    An object inside a document whose root is a global element is checked
    in that context (the whole document is validated, so this takes as long
    as validating the document). An object outside such a document is
    checked against the complex type of its class, or the type its
    `xsi:type` names.
    """
    validator = _validator(obj._bundle.name)
    try:
        issues: list[ValidationIssue] = validator.validate_element(obj._element, type(obj)._qname)
    except _setup_error() as error:
        raise ValidationUnavailableError(f"{type(obj).__name__}: {error}") from None
    return issues


def _validator(bundle: str) -> Any:
    engine = _engine()
    try:
        return engine.validator_for(bundle)
    except _bundle_error() as error:
        raise ValidationUnavailableError(f"cannot load the schema of bundle {bundle}: {error}") from None


def _engine() -> Any:
    try:
        return importlib.import_module("generator.validation")
    except ImportError as error:
        raise ValidationUnavailableError(
            f"schema validation needs the xmlschema package and the stixgen generator ({error}); "
            "install them with: pip install 'stix-bindings[generator]'"
        ) from None


def _bundle_error() -> type[Exception]:
    error: type[Exception] = importlib.import_module("generator.bundles").BundleError
    return error


def _setup_error() -> type[Exception]:
    error: type[Exception] = _engine().ValidationSetupError
    return error
