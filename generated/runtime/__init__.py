"""The runtime that generated binding classes use: fields, codecs, parsing and errors.

It depends on lxml only.
"""

from .bundle import Bundle
from .codecs import Codec
from .errors import (
    BindingError,
    DocumentError,
    ForbiddenXMLError,
    InvalidTypeError,
    InvalidValueError,
    LimitExceededError,
    MalformedXMLError,
    SerializationError,
    TypeDerivationError,
    UnexpectedContentError,
    UnknownRootError,
    ValidationError,
    ValidationUnavailableError,
)
from .objects import ComplexObject
from .validation import ValidationIssue, validate_document
from .xmlio import read_document

__all__ = [
    "BindingError",
    "Bundle",
    "Codec",
    "ComplexObject",
    "DocumentError",
    "ForbiddenXMLError",
    "InvalidTypeError",
    "InvalidValueError",
    "LimitExceededError",
    "MalformedXMLError",
    "SerializationError",
    "TypeDerivationError",
    "UnexpectedContentError",
    "UnknownRootError",
    "ValidationError",
    "ValidationIssue",
    "ValidationUnavailableError",
    "read_document",
    "validate_document",
]
