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
    MalformedXMLError,
    SerializationError,
    TypeDerivationError,
    UnexpectedContentError,
    UnknownRootError,
)
from .objects import ComplexObject
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
    "MalformedXMLError",
    "SerializationError",
    "TypeDerivationError",
    "UnexpectedContentError",
    "UnknownRootError",
    "read_document",
]
