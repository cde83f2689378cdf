"""Validate documents and object trees against a bundle's XML Schemas with xmlschema.

The generated runtime needs only lxml, so validation lives here, beside the
schema loader it depends on: `load_bundle` reads the bundle's XSD files
offline and checks them against the manifest. `generated.runtime.validation`
imports this module on first use.

A `BundleValidator` wraps the loaded schema of one bundle. `validator_for`
keeps one validator per bundle and XSD folder for the life of the process.
Across processes, `load_bundle` reads the built schema from the cache of
`generator.schema_cache` when the XSD files and the loader are unchanged
(under 1 s instead of the 2 s that building the STIX 1.2 schema takes). The
validator changes its schema object only in memory, after that cache entry
was written.

Every error xmlschema finds is turned into a `ValidationIssue` with the line,
the element path in the document's own prefixes and a sentence that names
the rule. Five behaviours of xmlschema 4.3.2 are worked around here:

- A comment or processing instruction inside an element of simple content
  counts as a child element, and the text after it is not seen. Documents
  that contain comments are validated as a copy without them, with each
  element of the copy mapped back to its original for line and path.
- An `xsi:type` that names no type of the schema raises `XMLSchemaKeyError`
  out of the validation of the enclosing content model instead of reporting
  an error. The validator's global maps get a lookup that reports it.
- For every element with an `xsi:type` that an identity constraint selects
  (most STIX and CybOX objects), xmlschema builds new field selectors, and
  each of them walks every component of a schema file to check that the
  schema is valid. The validator keeps the selectors per element
  declaration and type (see `_FieldSelectorTable`), which cut the
  validation of the 2.8 MB APT1 indicator sample from about 11 s to 7 s.
- The first time an element has an `xsi:type` of complex content, xmlschema
  evaluates the selector of every active identity constraint over the
  schema tree of that type. With the STIX bundles' recursive types and
  ``.//*`` selectors that walk had not finished after 20,000 nested calls
  on the Poison Ivy indicators sample. The validator skips that step; see
  `_skip_xsi_type_identity_updates`.
- The unique-id constraints of CybOX and MAEC (selector ``.//*``, field
  ``@id``) took about 40% of the validation time, and with the step above
  skipped they missed ids that only an `xsi:type` declares.
  `generator.unique_attributes` checks them instead, in one pass; that cut
  the validation of the APT1 sample from about 3.2 s to 1.8 s.

Validation recurses once per element level of the document, about three
frames each, and the parser allows 256 levels, so it runs in a worker
thread with a large stack and a raised recursion limit.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree
from xmlschema import XMLSchemaValidationError
from xmlschema.validators import (
    XsdAttributeGroup,
    XsdElement,
    XsdEnumerationFacets,
    XsdGroup,
    XsdPatternFacets,
    XsdType,
    XsdUnion,
)
from xmlschema.validators.exceptions import XMLSchemaChildrenValidationError
from xmlschema.validators.identities import FieldValueSelector
from xmlschema.xpath.mixin import XPathElement

from generated.runtime import namespaces
from generated.runtime.validation import ValidationIssue
from generated.runtime.xmlio import XSI_TYPE, element_path, prefixed_name, source_line

from .bundles import BundleError, Manifest, fetch, load_manifest
from .load import LoadedBundle, load_bundle
from .unique_attributes import UniqueAttributeCheck, declaration_key, take_over

log = logging.getLogger("generator.validation")

T = TypeVar("T")

# Each element level of a document takes about three frames of xmlschema's
# decoder and the parser allows 256 levels. The worker thread's stack is
# large enough that reaching the limit raises RecursionError rather than
# overflowing the C stack.
RECURSION_LIMIT = 10_000
WORKER_STACK_BYTES = 256 * 1024 * 1024

# Enumerations longer than this are shown in part in messages.
MAX_LISTED_VALUES = 12

# The tag that a detached object's element gets in the copy that is
# validated against its class's type; it is declared by no bundle.
DETACHED_TAG = "{urn:stixgen:validation}object"

# Messages of the `xsi:type` lookup below start with this text.
_XSI_TYPE_PREFIX = "xsi:type "

_XSD_REPR = re.compile(r"Xsd\w+\((?:name|primitive_type)=(['\"])(?P<name>[^'\"]*)\1[^)]*\)")
_ATTRIBUTE_REASON = re.compile(r"attribute (?P<name>\S+?)=(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+): (?P<rest>.*)", re.S)
_QUOTED = re.compile(r"'([^']*)'")


class ValidationSetupError(Exception):
    """An element that cannot be validated: it has an anonymous type and no document around it."""


@dataclass
class _Located:
    """One xmlschema error with the original element (and attribute) it is about."""

    element: etree._Element | None
    attribute: str | None
    message: str
    # "@name" or "#text" for an error about a simple value, which xmlschema
    # may report more than once (by the type and by its facets).
    value_of: str | None = None


class _InstanceTypeError(KeyError, TypeError):
    """An `xsi:type` that names no type of the schema, or one not derived from the declared type.

    It derives from KeyError, which xmlschema catches where it validates an
    element, and from TypeError, which it catches where it validates the
    enclosing content model.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class _FieldSelectorTable(dict[Any, Any]):
    """An identity constraint's map from element declarations to field selectors.

    An element with an `xsi:type` is validated with a copy of its element
    declaration that has the new type, and the copy is never a key, so
    xmlschema builds new field selectors for every such element. This map
    also returns selectors for such copies, building them once per
    declaration and type. Iterating it still yields only the real keys.
    """

    def __init__(self, identity: Any, elements: dict[Any, Any]) -> None:
        super().__init__(elements)
        self._identity = identity
        self._copies: dict[tuple[Any, int, int], list[Any]] = {}
        # A copy has the name and the parent of its original.
        self._originals = {declaration_key(element) for element in elements}

    def __setitem__(self, element: Any, selectors: Any) -> None:
        super().__setitem__(element, selectors)
        self._originals.add(declaration_key(element))

    def _copy_key(self, element: Any) -> tuple[Any, int, int] | None:
        """Return the key of a copy of one of this map's keys, or None for any other element."""
        if declaration_key(element) not in self._originals:
            return None
        return (*declaration_key(element), id(element.type))

    def __contains__(self, element: object) -> bool:
        return dict.__contains__(self, element) or self._copy_key(element) is not None

    def __getitem__(self, element: Any) -> Any:
        if dict.__contains__(self, element):
            return dict.__getitem__(self, element)
        key = self._copy_key(element)
        if key is None:
            raise KeyError(element)
        selectors = self._copies.get(key)
        if selectors is None:
            # Keyed by the type's id: the types live as long as the schema.
            selectors = [FieldValueSelector(field, element) for field in self._identity.fields]
            self._copies[key] = selectors
        return selectors


class BundleValidator:
    """Validates documents and elements against the schema of one loaded bundle."""

    def __init__(self, loaded: LoadedBundle) -> None:
        self.loaded = loaded
        self.bundle = loaded.manifest.name
        self.schema = loaded.schema
        # xmlschema keeps state in the schema while it validates (identity
        # constraint tables, the xsi:type sets of elements), so one
        # validation runs at a time.
        self._lock = threading.Lock()
        self._install_instance_type_lookup()
        self._unique_attributes = take_over(self.schema)
        self._skip_xsi_type_identity_updates()
        for identity in self.schema.maps.identities.values():
            identity.elements = _FieldSelectorTable(identity, identity.elements)

    def _install_instance_type_lookup(self) -> None:
        maps = self.schema.maps
        lookup = maps.get_instance_type
        bundle = self.bundle

        def get_instance_type(type_name: str, base_type: Any, namespaces: Any) -> Any:
            try:
                return lookup(type_name, base_type, namespaces)
            except KeyError:
                prefix, _, _ = type_name.strip().rpartition(":")
                if prefix and prefix not in (namespaces or {}):
                    raise _InstanceTypeError(
                        f"{_XSI_TYPE_PREFIX}{type_name!r} uses the prefix {prefix!r}, which is not declared"
                    ) from None
                raise _InstanceTypeError(
                    f"{_XSI_TYPE_PREFIX}{type_name!r} names a type that bundle {bundle} does not define, "
                    "so the content of this element cannot be checked"
                ) from None
            except TypeError:
                raise _InstanceTypeError(
                    f"{_XSI_TYPE_PREFIX}{type_name!r} names a type that is not derived from the "
                    f"element's declared type {_component_name(base_type)}"
                ) from None

        # NOTE: XsdGlobals forbids setting attributes, but stores cached
        # properties in its instance dictionary, where this entry shadows the
        # method for this schema only.
        maps.__dict__["get_instance_type"] = get_instance_type

    def _skip_xsi_type_identity_updates(self) -> None:
        """Stop identity constraints from scanning the schema tree of each new `xsi:type`.

        The constraints still collect values from every element declaration
        that the declared types reach, which xmlschema registers when it
        builds the schema.
        """
        for identity in self.schema.maps.identities.values():
            update = identity.update_elements

            def update_elements(base_element: Any, update: Callable[[Any], None] = update) -> None:
                if isinstance(base_element, XPathElement):
                    return
                update(base_element)

            # NOTE: elements that only an xsi:type's content declares are not
            # checked against the identity constraints left to xmlschema (the
            # keys of OVAL and CVRF), which libxml2 checks on the document
            # itself. The unique ids of CybOX and MAEC are checked by
            # `generator.unique_attributes`.
            identity.__dict__["update_elements"] = update_elements

    def is_global_element(self, tag: str) -> bool:
        """Return True if the bundle declares a global element named `tag` (Clark notation)."""
        return tag in self.schema.maps.elements

    def validate_tree(self, tree: etree._ElementTree, *, source: str | None = None) -> list[ValidationIssue]:
        """Validate a whole document and return every error, in document order."""
        located = self._validate(tree.getroot())
        return self._issues(located, source)

    def validate_element(
        self, element: etree._Element, type_qname: str | None, *, source: str | None = None
    ) -> list[ValidationIssue]:
        """Validate the subtree of `element` and return the errors inside it.

        If the document that contains `element` has a global element of the
        bundle as its root, the whole document is validated and the errors
        inside the subtree are kept. Otherwise the subtree is validated on
        its own against `type_qname`, the complex type of its class (or the
        type its `xsi:type` names).
        """
        root = element.getroottree().getroot()
        if self.is_global_element(root.tag):
            located = self._validate(root)
            return self._issues([item for item in located if _inside(item.element, element)], source)

        if element.get(XSI_TYPE) is None:
            if not type_qname or type_qname not in self.schema.maps.types:
                raise ValidationSetupError(
                    f"element {prefixed_name(element, element.tag)} has an anonymous type and is not "
                    "inside a document whose root is a global element, so it cannot be validated on "
                    "its own; add it to its parent object and validate that"
                )
        located = self._validate(element, detached_type=type_qname)
        return self._issues(located, source)

    def _validate(self, root: etree._Element, *, detached_type: str | None = None) -> list[_Located]:
        copy_root, originals = _prepared_copy(root, detached_type)
        with self._lock:
            check = UniqueAttributeCheck(self._unique_attributes)
            errors = _run_deep(
                lambda: list(self.schema.iter_errors(etree.ElementTree(copy_root), extra_validator=check))
            )

        located = []
        values_seen: set[tuple[int, str]] = set()
        for error in errors:
            item = self._locate(error, originals)
            if item is None:
                continue
            if item.value_of is not None:
                key = (id(item.element), item.value_of)
                if key in values_seen:
                    continue
                values_seen.add(key)
            located.append(item)
        return _without_consequences(located)

    def _locate(
        self, error: XMLSchemaValidationError, originals: dict[etree._Element, etree._Element] | None
    ) -> _Located | None:
        reason = error.reason or ""
        if isinstance(error.validator, XsdGroup) and reason.startswith(_XSI_TYPE_PREFIX):
            # The same lookup failure is reported again for the element itself.
            return None

        element = _original(error.elem, originals)
        attribute: str | None = None

        if isinstance(error, XMLSchemaChildrenValidationError):
            child = error.invalid_child
            if child is not None:
                element = _original(child, originals)
            return _Located(element, None, self._children_message(error, element))

        match = _ATTRIBUTE_REASON.fullmatch(reason)
        if match is not None:
            attribute = match.group("name")
            value = _unquote(match.group("value"))
            message = f"attribute {attribute}: " + self._value_message(error, element, match.group("rest"), value)
            return _Located(element, attribute, message, value_of="@" + attribute)

        if isinstance(error.obj, str) and not isinstance(error.validator, (XsdElement, XsdAttributeGroup)):
            message = self._value_message(error, element, reason, error.obj)
            return _Located(element, None, f"text of element {_element_name(element)}: {message}", value_of="#text")

        return _Located(element, None, self._message(error, element, reason))

    def _children_message(self, error: XMLSchemaChildrenValidationError, element: etree._Element | None) -> str:
        expected = _expected_names(error, element)
        if error.invalid_tag is None:
            name = _element_name(element)
            if expected:
                return f"element {name} is incomplete: the required child element {expected} is missing"
            return f"element {name} is incomplete"

        name = _element_name(element) if element is not None else _clark_local(error.invalid_tag)
        parent = _element_name(element.getparent()) if element is not None else "its parent"
        owner = _group_owner(error.validator, element)
        particle = error.particle
        max_occurs = getattr(particle, "max_occurs", None)
        repeated = element is not None and any(
            sibling.tag == element.tag for sibling in element.itersiblings(preceding=True)
        )
        if (
            isinstance(particle, XsdElement)
            and max_occurs is not None
            and repeated
            and particle.is_matching(error.invalid_tag)
        ):
            times = "once" if max_occurs == 1 else f"{max_occurs} times"
            return f"element {name} is not allowed here: it may occur at most {times} in element {parent}{owner}"
        if expected:
            return f"element {name} is not allowed here; expected {expected}"
        return f"element {name} is not allowed at this position in element {parent}{owner}"

    def _message(self, error: XMLSchemaValidationError, element: etree._Element | None, reason: str) -> str:
        name = _element_name(element)

        if reason.startswith(_XSI_TYPE_PREFIX):
            return reason
        if reason.startswith("missing required attribute"):
            return f"required attribute {_first_quoted(reason)} is missing"
        if reason.endswith("attribute not allowed for element"):
            return f"attribute {_first_quoted(reason)} is not allowed on element {name}"
        if reason.endswith("is not an attribute of the XSI namespace"):
            return f"attribute {_first_quoted(reason)} is not an attribute of the XML Schema instance namespace"
        if reason.startswith("use of attribute"):
            return f"attribute {_first_quoted(reason)} is prohibited on element {name}"
        if reason.endswith("is abstract") and isinstance(error.validator, XsdElement):
            return (
                f"element {name} has the abstract type {_clean(reason[: -len(' is abstract')])}; "
                "give it an xsi:type that names a concrete type derived from it"
            )
        if reason.startswith("character data between child elements"):
            return f"text is not allowed between the child elements of {name}, because its type is not mixed"
        if reason.startswith("character data is not allowed"):
            return f"text is not allowed in element {name}, because its type has empty content"
        if reason.startswith("a simple content element can't have child elements"):
            return f"child elements are not allowed in element {name}, because its type has simple content"
        if reason.endswith("is not an element of the schema"):
            message = f"element {name} is not a global element of bundle {self.bundle}"
            declaring = _bundles_declaring(element.tag, self.bundle) if element is not None else []
            if declaring:
                message += f"; it is one of bundle {' and '.join(declaring)}, so validate it against that bundle"
            return message
        if reason.startswith("duplicated value"):
            return (
                f"the value {_value_tuple(reason, element)} occurs more than once, but the identity constraint "
                f"{_constraint_name(reason)} requires unique values"
            )
        if reason.startswith("value ") and " not found for " in reason:
            return (
                f"the value {_value_tuple(reason, element)} refers to nothing: the key reference "
                f"{_constraint_name(reason)} finds no matching key"
            )
        if reason.startswith("missing key field"):
            return f"a field of the identity constraint {_constraint_name(reason)} is missing"
        if reason.startswith("must have the fixed value"):
            return f"element {name} must have the value {_first_quoted(reason)!r}, which the schema fixes"
        if reason.startswith("IDREF "):
            return f"the ID reference {_first_quoted(reason)!r} matches no ID in the document"
        return _clean(reason)

    def _value_message(
        self, error: XMLSchemaValidationError, element: etree._Element | None, reason: str, value: str
    ) -> str:
        """Return the rule that a simple value breaks, with the value and what is allowed."""
        validator = error.validator
        short_value = _shorten(value)
        not_a = re.fullmatch(r"value is not an? (\S+)", reason)
        if not_a is not None:
            return f"{short_value!r} is not a valid {not_a.group(1)}"

        if isinstance(validator, XsdEnumerationFacets):
            allowed = [str(item) for item in validator.enumeration]
            listed = ", ".join(repr(item) for item in allowed[:MAX_LISTED_VALUES])
            if len(allowed) > MAX_LISTED_VALUES:
                listed += f" and {len(allowed) - MAX_LISTED_VALUES} more"
            return f"{short_value!r} is not one of the values that {_owner_type(validator, element)} allows: {listed}"
        if isinstance(validator, XsdPatternFacets):
            # Shown as written in the schema, without Python's escaping of backslashes.
            patterns = " or ".join(f"'{pattern}'" for pattern in validator.regexps)
            return f"{short_value!r} does not match the pattern {patterns} of {_owner_type(validator, element)}"
        if isinstance(validator, XsdUnion):
            return f"{short_value!r} is not a value of any member type of {_component_name(validator, element)}"
        if isinstance(validator, XsdType):
            prefix = re.search(r"unmapped prefix '([^']*)'", reason)
            if prefix is not None:
                return f"{short_value!r} is not a valid {_component_name(validator, element)}: its prefix {prefix.group(1)!r} is not declared"
            if reason.startswith("value ") or "length" in reason or "greater" in reason or "less" in reason:
                return f"{short_value!r} is not a valid {_component_name(validator, element)}: {_clean(reason)}"
            return f"{short_value!r} is not a valid {_component_name(validator, element)}"
        if reason.startswith("value "):
            return f"{short_value!r} is invalid: {_clean(reason)}"
        return _clean(reason)

    def _issues(self, located: Sequence[_Located], source: str | None) -> list[ValidationIssue]:
        """Return the issues in document order, each once.

        xmlschema reports identity constraint errors after the others, and
        in an order that changes from run to run.
        """
        positions = _document_positions(located)
        ordered = sorted(
            located,
            key=lambda item: (
                positions.get(item.element, sys.maxsize) if item.element is not None else sys.maxsize,
                item.attribute or "",
                item.message,
            ),
        )

        issues: list[ValidationIssue] = []
        seen: set[tuple[int | None, str | None, str]] = set()
        for item in ordered:
            line = source_line(item.element) if item.element is not None else None
            path = element_path(item.element) if item.element is not None else None
            if path is not None and item.attribute is not None:
                path += f"/@{item.attribute}"
            key = (line, path, item.message)
            if key in seen:
                continue
            seen.add(key)
            issues.append(ValidationIssue(message=item.message, line=line, path=path, source=source))
        return issues


_validators: dict[tuple[str, Path | None], BundleValidator] = {}
_validators_lock = threading.Lock()


def validator_for(bundle: str | Manifest, xsd_dir: Path | None = None) -> BundleValidator:
    """Return the validator of a bundle, loading its schema on first use in this process.

    `bundle` is a bundle name such as ``"stix-1.2"`` or a loaded manifest;
    `xsd_dir` defaults to ``schemas/<bundle>/xsd/``. Raises
    `generator.bundles.BundleError` when the manifest or the XSD files are
    missing or do not match.
    """
    manifest = bundle if isinstance(bundle, Manifest) else load_manifest(bundle)
    key = (manifest.name, xsd_dir.resolve() if xsd_dir is not None else None)

    with _validators_lock:
        validator = _validators.get(key)
        if validator is None:
            if xsd_dir is None and manifest.distribution and not manifest.default_xsd_dir.is_dir():
                # Extracting from the installed wheel is local and checksummed, as `stixgen fetch` does.
                fetch(manifest)
            loaded = load_bundle(manifest, xsd_dir)
            log.info("schema of bundle %s loaded for validation in %.2f s", manifest.name, loaded.load_seconds)
            validator = BundleValidator(loaded)
            _validators[key] = validator
    return validator


def _document_positions(located: Sequence[_Located]) -> dict[etree._Element, int]:
    """Return the position in document order of every element of the tree the errors are in."""
    for item in located:
        if item.element is not None:
            root = item.element.getroottree().getroot()
            return {element: position for position, element in enumerate(root.iter())}
    return {}


def _prepared_copy(
    root: etree._Element, detached_type: str | None
) -> tuple[etree._Element, dict[etree._Element, etree._Element] | None]:
    """Return the element to hand to xmlschema and the map from its elements to the originals.

    The original is used as it is when it has no comment or processing
    instruction and needs no `xsi:type`; the map is then None.
    """
    has_markup = any(True for _ in root.iter(etree.Comment, etree.ProcessingInstruction))
    detached = detached_type is not None or root.getparent() is not None
    if not has_markup and not detached:
        return root, None

    # Declare every namespace in scope on the copy's root: QName values such
    # as xsi:type may use prefixes that no element name in the subtree uses.
    nsmap: dict[str | None, str] = {prefix: uri for prefix, uri in root.nsmap.items()}
    tag = root.tag
    attributes: dict[str, str] = {str(name): str(value) for name, value in root.attrib.items()}
    if detached_type is not None:
        tag = DETACHED_TAG
        if root.get(XSI_TYPE) is None:
            namespace, local = _split(detached_type)
            prefix = _free_prefix(nsmap, namespace)
            nsmap[prefix] = namespace
            attributes[XSI_TYPE] = f"{prefix}:{local}"

    copy_root = etree.Element(tag, attrib=attributes, nsmap=nsmap)  # type: ignore[arg-type]
    copy_root.text = root.text
    for child in root:
        copy_root.append(copy.deepcopy(child))
        copy_root[-1].tail = child.tail

    if has_markup:
        # Removes them and joins the text around each.
        etree.strip_tags(copy_root, etree.Comment, etree.ProcessingInstruction)

    originals = dict(zip(copy_root.iter(tag=etree.Element), root.iter(tag=etree.Element)))
    _restore_prefixed_values(root, copy_root, originals)
    return copy_root, originals


def _restore_prefixed_values(
    root: etree._Element, copy_root: etree._Element, originals: dict[etree._Element, etree._Element]
) -> None:
    """Make the copy's prefixed values (`xsi:type`, QName ids) name the namespaces they name in `root`.

    Appending the copied children to the new root drops their declarations
    of namespaces that it declares under another prefix.
    """
    copies = {original: copied for copied, original in originals.items()}
    values = [
        dataclasses.replace(value, element=copies[value.element])
        for value in namespaces.capture(root)
        if value.element is not root
    ]
    namespaces.restore(copy_root, values)


def _free_prefix(nsmap: dict[str | None, str], namespace: str) -> str:
    for prefix, uri in nsmap.items():
        if uri == namespace and prefix:
            return prefix
    candidate, counter = "t", 0
    while candidate in nsmap:
        counter += 1
        candidate = f"t{counter}"
    return candidate


def _original(
    element: Any, originals: dict[etree._Element, etree._Element] | None
) -> etree._Element | None:
    if not isinstance(element, etree._Element):
        return None
    if originals is None:
        return element
    return originals.get(element, element)


def _inside(element: etree._Element | None, ancestor: etree._Element) -> bool:
    current = element
    while current is not None:
        if current is ancestor:
            return True
        current = current.getparent()
    return False


def _without_consequences(located: list[_Located]) -> list[_Located]:
    """Drop errors inside elements whose `xsi:type` names no type: their content was not checked."""
    unknown = [
        item.element
        for item in located
        if item.element is not None and item.message.startswith(_XSI_TYPE_PREFIX) and "does not define" in item.message
    ]
    if not unknown:
        return located

    kept = []
    for item in located:
        if item.element is not None and not item.message.startswith(_XSI_TYPE_PREFIX):
            if any(_inside(item.element, element) for element in unknown):
                continue
        kept.append(item)
    return kept


@contextmanager
def _recursion_limit(minimum: int) -> Iterator[None]:
    """Raise the interpreter's recursion limit to at least `minimum` while the block runs."""
    with _recursion_lock:
        global _recursion_users, _saved_recursion_limit
        if _recursion_users == 0:
            _saved_recursion_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_recursion_limit, minimum))
        _recursion_users += 1
    try:
        yield
    finally:
        with _recursion_lock:
            _recursion_users -= 1
            if _recursion_users == 0:
                sys.setrecursionlimit(_saved_recursion_limit)


def _bundles_declaring(tag: str, excluded: str) -> list[str]:
    """Return the names of the generated bundles other than `excluded` that
    declare a global element named `tag` (Clark notation)."""
    import generated

    return [bundle.name for bundle in generated.available_bundles() if bundle.name != excluded and tag in bundle.elements]


_recursion_lock = threading.Lock()
_recursion_users = 0
_saved_recursion_limit = sys.getrecursionlimit()


def _run_deep(function: Callable[[], T]) -> T:
    """Run `function` in a worker thread with a large stack and a raised recursion limit.

    NOTE: the recursion limit is shared by all threads, so while validation
    runs, other threads may also recurse deeper than the default before
    RecursionError.
    """
    outcome: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            outcome.append((True, function()))
        except BaseException as error:  # re-raised in the calling thread
            outcome.append((False, error))

    with _recursion_limit(RECURSION_LIMIT):
        with _stack_size_lock:
            previous = threading.stack_size(WORKER_STACK_BYTES)
            try:
                worker = threading.Thread(target=target, name="stixgen-validation", daemon=True)
                worker.start()
            finally:
                threading.stack_size(previous)
        worker.join()

    succeeded, value = outcome[0]
    if not succeeded:
        raise value
    return value  # type: ignore[no-any-return]


_stack_size_lock = threading.Lock()


def _expected_names(error: XMLSchemaChildrenValidationError, element: etree._Element | None) -> str:
    names: list[str] = []
    for expected in error.expected or ():
        name = getattr(expected, "name", None)
        if name:
            names.append(_qualified(name, element, getattr(expected, "prefixed_name", None)))
        else:
            namespaces = getattr(expected, "namespace", None)
            if namespaces is not None:
                names.append("an element of namespace " + " or ".join(sorted(map(str, namespaces))))
    names = list(dict.fromkeys(names))
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _qualified(clark: str, element: etree._Element | None, fallback: str | None) -> str:
    """Return `clark` with the prefix the document uses, or the schema's prefix."""
    if element is not None:
        name = prefixed_name(element, clark)
        if not name.startswith("{"):
            return name
    return fallback or clark


def _element_name(element: etree._Element | None) -> str:
    if element is None or not isinstance(element.tag, str):
        return "(unknown)"
    if element.tag == DETACHED_TAG:
        return "(the object's element)"
    return prefixed_name(element, element.tag)


def _component_name(component: Any, element: etree._Element | None = None) -> str:
    """Return the name of a schema type for messages, with the document's prefix where it has one."""
    name = getattr(component, "name", None)
    if name:
        return _qualified(str(name), element, getattr(component, "prefixed_name", None))
    base = getattr(component, "base_type", None)
    if base is not None and getattr(base, "name", None):
        return f"a restriction of {_component_name(base, element)}"
    union = component if isinstance(component, XsdUnion) else getattr(component, "primitive_type", None)
    if isinstance(union, XsdUnion):
        members = ", ".join(_component_name(member, element) for member in union.member_types)
        return f"the union of {members}"
    return "an anonymous simple type"


def _group_owner(group: Any, element: etree._Element | None) -> str:
    """Return " (type NAME)" for the complex type whose content model `group` is, or ""."""
    owner = getattr(group, "parent", None)
    while owner is not None and not isinstance(owner, XsdType):
        owner = getattr(owner, "parent", None)
    if owner is None:
        return ""
    return f" (type {_component_name(owner, element)})"


def _owner_type(facet: Any, element: etree._Element | None) -> str:
    """Return the name of the simple type that a facet restricts."""
    parent = getattr(facet, "parent", None)
    if parent is None:
        return "its type"
    return _component_name(parent, element)


def _clean(reason: str) -> str:
    """Replace xmlschema's component representations in a reason by component names."""
    return _XSD_REPR.sub(lambda match: match.group("name"), reason).rstrip(".")


def _first_quoted(reason: str) -> str:
    match = _QUOTED.search(reason)
    return match.group(1) if match else reason


def _value_tuple(reason: str, element: etree._Element | None) -> str:
    """Return the values of an identity constraint error, QNames with the document's prefixes."""
    match = re.search(r"value (\(.*?\)|\S+)", reason)
    if not match:
        return "(unknown)"
    values = _QUOTED.findall(match.group(1))
    if not values:
        return match.group(1)
    return ", ".join(repr(_qualified(value, element, None)) for value in values)


def _constraint_name(reason: str) -> str:
    match = re.search(r"Xsd(?:Unique|Key|Keyref)\(name=(['\"])([^'\"]*)\1", reason)
    return match.group(2) if match else "(unknown)"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return value


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _split(qname: str) -> tuple[str, str]:
    namespace, _, local = qname[1:].partition("}")
    return namespace, local


def _clark_local(qname: str) -> str:
    return qname.rpartition("}")[2]


def validate_files(
    paths: Iterable[Path | str], bundle: str | None = None
) -> Iterator[tuple[str, list[ValidationIssue]]]:
    """Validate each document and yield its name and errors (an empty list when valid).

    Documents are read with the bindings' safe parser, which raises
    `generated.runtime.DocumentError` for input that is not usable XML.
    Without `bundle`, each document is validated against `bundle_for_root`.
    """
    from generated.runtime.xmlio import read_document

    for path in paths:
        name = str(path)
        tree = read_document(path)
        chosen = bundle or bundle_for_root(tree.getroot())
        yield name, validator_for(chosen).validate_tree(tree, source=name)


DEFAULT_BUNDLE = "stix-1.2"


def bundle_for_root(root: etree._Element) -> str:
    """Return the name of the bundle that a document with this root element belongs to.

    The bundle is the one `generated.select_bundle` reads the document
    with. A root element that no generated bundle declares falls back to
    the default bundle, whose validation then reports it.
    """
    from generated import select_bundle
    from generated.runtime import UnknownRootError

    try:
        return select_bundle(root, strict=False).name
    except UnknownRootError:
        return DEFAULT_BUNDLE
