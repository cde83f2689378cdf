"""Exceptions raised by the generated bindings.

Every error the bindings raise on bad input derives from `BindingError`, so a
caller can catch one class.  Errors about a place in a document carry the line
and the element path; typed-value errors also derive from the built-in
`TypeError` or `ValueError` so that ordinary Python code handles them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .validation import ValidationIssue


class BindingError(Exception):
    """Base class of every error raised by the generated bindings."""


class DocumentError(BindingError):
    """A document cannot be read: the message names what is wrong and where."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        path: str | None = None,
        source: str | None = None,
    ) -> None:
        self.message = message
        self.line = line
        self.path = path
        self.source = source
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.path:
            where.append(self.path)
        if not where:
            return self.message
        return f"{', '.join(where)}: {self.message}"


class MalformedXMLError(DocumentError):
    """The input is not well-formed XML (or not in its declared encoding)."""


class ForbiddenXMLError(DocumentError):
    """The input uses a construct the bindings never process: a DTD or an entity."""


class LimitExceededError(DocumentError):
    """The input exceeds one of the parser's safety limits (nesting depth, text size)."""


class UnknownRootError(DocumentError):
    """The root element belongs to no bundle of the generated package."""


class UnexpectedContentError(DocumentError):
    """An element, attribute or text that the content model does not allow."""


class TypeDerivationError(DocumentError):
    """An `xsi:type` that is unknown where it must be known, abstract, or not derived
    from the declared type of its element."""


class InvalidValueError(BindingError, ValueError):
    """A value that is outside its field's simple type or enumeration."""


class InvalidTypeError(BindingError, TypeError):
    """A value of a Python type that a field does not accept."""


class SerializationError(BindingError):
    """An object tree cannot be written as XML (for example a class with no element name)."""


class ValidationError(BindingError):
    """A document or object tree that breaks its schema; `issues` lists every error.

    Each item of `issues` is a `validation.ValidationIssue` with the line, the
    element path and the rule broken.
    """

    def __init__(self, subject: str, issues: Sequence[ValidationIssue]) -> None:
        self.subject = subject
        self.issues = list(issues)
        count = len(self.issues)
        lines = [f"{subject} is not valid against its schema ({count} error{'s' if count != 1 else ''}):"]
        lines.extend(f"  {issue}" for issue in self.issues)
        super().__init__("\n".join(lines))


class ValidationUnavailableError(BindingError):
    """Validation cannot run: xmlschema or the bundle's XSD files are missing, or an object
    with an anonymous type is validated outside any document."""
