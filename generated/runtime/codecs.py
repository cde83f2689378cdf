"""Conversions between XSD simple-type lexical forms and Python values.

A codec never changes the document: the bindings keep each value's text as it
was read and convert it only when a field is read.  A value the caller sets is
checked here and written in canonical form; a string the caller sets is kept as
written once it parses.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import re
import sys
from decimal import Decimal, InvalidOperation
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .errors import InvalidTypeError, InvalidValueError

V = TypeVar("V")
E = TypeVar("E", bound=enum.Enum)

_MAX_SHOWN_CHARS = 80
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_FLOAT = re.compile(r"([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)")
_DATETIME = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_DATE = re.compile(r"(-?[0-9]{4,}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?")


def _collapse(text: str) -> str:
    """Apply the XSD `collapse` whitespace rule."""
    return " ".join(text.split())


class Codec(Generic[V]):
    """Conversion for one XSD simple type.

    `parse` turns a lexical form into a Python value and raises
    `InvalidValueError` when the text is outside the type.  `lexical` turns a
    value set by the caller into the text to write.
    """

    python_type: type[Any] = str

    def __init__(self, xsd_name: str) -> None:
        self.xsd_name = xsd_name

    def parse(self, text: str) -> V:
        raise NotImplementedError

    def format(self, value: V) -> str:
        return str(value)

    def lexical(self, value: object) -> str:
        """Return the text to write for `value`, a Python value or a lexical string."""
        if isinstance(value, str) and self.python_type is not str:
            self.parse(value)
            return value

        if not self._accepts(value):
            raise InvalidTypeError(
                f"expected {self.python_type.__name__} or str for {self.xsd_name}, "
                f"got {type(value).__name__} {value!r}"
            )

        return self.format(value)  # type: ignore[arg-type]

    def _accepts(self, value: object) -> bool:
        return isinstance(value, self.python_type)

    def invalid(self, text: str, expected: str) -> InvalidValueError:
        # A long value is cut short, so that a hostile document cannot flood the message.
        shown = text if len(text) <= _MAX_SHOWN_CHARS else text[:_MAX_SHOWN_CHARS] + "..."
        return InvalidValueError(f"{shown!r} is not a valid {self.xsd_name}: expected {expected}")


class StringCodec(Codec[str]):
    """Any string type (`xs:string`, `xs:anyURI`, `xs:QName`, unions, ...): the text as written."""

    python_type = str

    def parse(self, text: str) -> str:
        return text

    def lexical(self, value: object) -> str:
        if not isinstance(value, str):
            raise InvalidTypeError(
                f"expected str for {self.xsd_name}, got {type(value).__name__} {value!r}"
            )
        return value


class IntegerCodec(Codec[int]):
    """`xs:integer` and its derived types, with their value range."""

    python_type = int

    def __init__(self, xsd_name: str, minimum: int | None = None, maximum: int | None = None) -> None:
        super().__init__(xsd_name)
        self.minimum = minimum
        self.maximum = maximum

    def parse(self, text: str) -> int:
        collapsed = text.strip()
        if not _INTEGER.fullmatch(collapsed):
            raise self.invalid(text, "an integer")

        try:
            value = int(collapsed)
        except ValueError:
            # Python refuses to convert more digits than sys.get_int_max_str_digits().
            raise self.invalid(text, f"an integer of at most {sys.get_int_max_str_digits()} digits") from None
        self._check_range(text, value)
        return value

    def format(self, value: int) -> str:
        try:
            text = str(value)
        except ValueError:
            raise InvalidValueError(
                f"an integer of {value.bit_length()} bits is not a valid {self.xsd_name}: expected "
                f"at most {sys.get_int_max_str_digits()} decimal digits"
            ) from None
        self._check_range(text, value)
        return text

    def _accepts(self, value: object) -> bool:
        # bool is a subclass of int, but True is not an XSD integer.
        return isinstance(value, int) and not isinstance(value, bool)

    def _check_range(self, text: str, value: int) -> None:
        if self.minimum is not None and value < self.minimum:
            raise self.invalid(text, f"an integer >= {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise self.invalid(text, f"an integer <= {self.maximum}")


class DecimalCodec(Codec[Decimal]):
    """`xs:decimal`."""

    python_type = Decimal

    def parse(self, text: str) -> Decimal:
        collapsed = text.strip()
        if not _DECIMAL.fullmatch(collapsed):
            raise self.invalid(text, "a decimal number such as 12.50")
        return Decimal(collapsed)

    def format(self, value: Decimal) -> str:
        # `_accepts` also lets plain ints through.
        value = Decimal(value)
        if not value.is_finite():
            raise self.invalid(str(value), "a finite decimal number")
        return format(value, "f")

    def _accepts(self, value: object) -> bool:
        return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


class FloatCodec(Codec[float]):
    """`xs:float` and `xs:double`."""

    python_type = float

    def parse(self, text: str) -> float:
        collapsed = text.strip()
        if not _FLOAT.fullmatch(collapsed):
            raise self.invalid(text, "a floating-point number, INF, -INF or NaN")
        return float(collapsed.replace("INF", "inf"))

    def format(self, value: float) -> str:
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "INF" if value > 0 else "-INF"
        return repr(float(value))

    def _accepts(self, value: object) -> bool:
        return isinstance(value, (float, int)) and not isinstance(value, bool)


class BooleanCodec(Codec[bool]):
    """`xs:boolean`: reads `true`, `false`, `1` and `0`; writes `true` or `false`."""

    python_type = bool
    _VALUES = {"true": True, "1": True, "false": False, "0": False}

    def parse(self, text: str) -> bool:
        value = self._VALUES.get(text.strip())
        if value is None:
            raise self.invalid(text, "true, false, 1 or 0")
        return value

    def format(self, value: bool) -> str:
        return "true" if value else "false"


class DateTimeCodec(Codec[dt.datetime]):
    """`xs:dateTime`; a value without a time zone reads as a naive datetime."""

    python_type = dt.datetime

    def parse(self, text: str) -> dt.datetime:
        collapsed = text.strip()
        if not _DATETIME.fullmatch(collapsed):
            raise self.invalid(text, "a date and time such as 2014-10-21T21:10:09Z")
        try:
            return dt.datetime.fromisoformat(collapsed)
        except ValueError as error:
            raise self.invalid(text, f"a date and time within Python's range ({error})") from None

    def format(self, value: dt.datetime) -> str:
        return value.isoformat()


class DateCodec(Codec[dt.date]):
    """`xs:date`; a time zone, which Python dates cannot hold, is checked and dropped on reading."""

    python_type = dt.date

    def parse(self, text: str) -> dt.date:
        match = _DATE.fullmatch(text.strip())
        if match is None:
            raise self.invalid(text, "a date such as 2014-10-21")
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError as error:
            raise self.invalid(text, f"a date within Python's range ({error})") from None

    def format(self, value: dt.date) -> str:
        if isinstance(value, dt.datetime):
            value = value.date()
        return value.isoformat()


class TimeCodec(Codec[dt.time]):
    """`xs:time`."""

    python_type = dt.time

    def parse(self, text: str) -> dt.time:
        collapsed = text.strip()
        if not _TIME.fullmatch(collapsed):
            raise self.invalid(text, "a time such as 21:10:09")
        try:
            return dt.time.fromisoformat(collapsed.replace("Z", "+00:00"))
        except ValueError as error:
            raise self.invalid(text, f"a valid time of day ({error})") from None

    def format(self, value: dt.time) -> str:
        return value.isoformat()


class Base64Codec(Codec[bytes]):
    """`xs:base64Binary`."""

    python_type = bytes

    def parse(self, text: str) -> bytes:
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise self.invalid(text[:40], "base64 data") from None

    def format(self, value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")


class HexCodec(Codec[bytes]):
    """`xs:hexBinary`."""

    python_type = bytes

    def parse(self, text: str) -> bytes:
        try:
            return bytes.fromhex(text.strip())
        except ValueError:
            raise self.invalid(text[:40], "hexadecimal digits") from None

    def format(self, value: bytes) -> str:
        return value.hex().upper()


class EnumerationCodec(Codec[E]):
    """A simple type restricted by `xs:enumeration` facets, read as a Python `Enum` member."""

    def __init__(self, xsd_name: str, enumeration: type[E] | Callable[[], type[E]]) -> None:
        super().__init__(xsd_name)
        self._enumeration: type[E] | None = None
        self._load: Callable[[], type[E]] | None = None
        if isinstance(enumeration, type):
            self._enumeration = enumeration
        else:
            # Enumerations of other modules load on first use, keeping imports cheap.
            self._load = enumeration

    @property
    def enumeration(self) -> type[E]:
        if self._enumeration is None:
            assert self._load is not None
            self._enumeration = self._load()
        return self._enumeration

    @property
    def python_type(self) -> type[E]:  # type: ignore[override]
        return self.enumeration

    def parse(self, text: str) -> E:
        try:
            return self.enumeration(text)
        except ValueError:
            pass

        # Enumerations of token-like types compare after whitespace collapsing.
        try:
            return self.enumeration(_collapse(text))
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in self.enumeration)
            raise self.invalid(text, f"one of {allowed}") from None

    def format(self, value: E) -> str:
        return str(value.value)

    def lexical(self, value: object) -> str:
        if isinstance(value, self.enumeration):
            return self.format(value)
        if isinstance(value, str):
            self.parse(value)
            return value
        raise InvalidTypeError(
            f"expected {self.enumeration.__name__} or str for {self.xsd_name}, "
            f"got {type(value).__name__} {value!r}"
        )


class ListCodec(Codec[list[Any]]):
    """An `xs:list` type: whitespace-separated items of one simple type."""

    python_type = list

    def __init__(self, xsd_name: str, item: Codec[Any]) -> None:
        super().__init__(xsd_name)
        self.item = item

    def parse(self, text: str) -> list[Any]:
        return [self.item.parse(token) for token in text.split()]

    def lexical(self, value: object) -> str:
        if isinstance(value, str):
            self.parse(value)
            return value
        if not isinstance(value, (list, tuple)):
            raise InvalidTypeError(
                f"expected a list or str for {self.xsd_name}, got {type(value).__name__}"
            )
        return " ".join(self.item.lexical(item) for item in value)


STRING = StringCodec("xs:string")
INTEGER = IntegerCodec("xs:integer")
DECIMAL = DecimalCodec("xs:decimal")
FLOAT = FloatCodec("xs:float")
DOUBLE = FloatCodec("xs:double")
BOOLEAN = BooleanCodec("xs:boolean")
DATETIME = DateTimeCodec("xs:dateTime")
DATE = DateCodec("xs:date")
TIME = TimeCodec("xs:time")
BASE64 = Base64Codec("xs:base64Binary")
HEX = HexCodec("xs:hexBinary")

# Integer types derived from xs:integer, with the bounds the XSD specification gives.
INTEGER_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}

_BUILTINS: dict[str, Codec[Any]] = {
    "decimal": DECIMAL,
    "float": FLOAT,
    "double": DOUBLE,
    "boolean": BOOLEAN,
    "dateTime": DATETIME,
    "date": DATE,
    "time": TIME,
    "base64Binary": BASE64,
    "hexBinary": HEX,
}
_BUILTINS.update(
    {name: IntegerCodec(f"xs:{name}", low, high) for name, (low, high) in INTEGER_BOUNDS.items()}
)


def builtin(name: str) -> Codec[Any]:
    """Return the codec of the XSD built-in type `name` (local name, e.g. ``"dateTime"``).

    Built-in types with no closer Python type (durations, `gYear` and the
    other partial dates, names, URIs) read as strings.
    """
    return _BUILTINS.get(name) or StringCodec(f"xs:{name}")
