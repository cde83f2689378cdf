"""Give every module, class, enumeration, member and field its Python name.

Names are derived from the XSD names alone and assigned in a fixed order
(sorted keys, base classes before subclasses), so the same schemas always give
the same names.  Rules:

- Classes are PascalCase with acronyms kept (`KillChainPhaseType` becomes
  `KillChainPhase`, `STIXHeaderType` becomes `STIXHeader`).  A type that is
  the type of exactly one global element of its namespace, with a different
  name, is named after the element (`STIXType` of `STIX_Package` becomes
  `STIXPackage`).  Version suffixes stay readable
  (`PackageIntentVocab-1.0` becomes `PackageIntentVocab_1_0`).
- Fields are snake_case; a repeated element gets a plural name
  (`Kill_Chain_Phase` becomes `kill_chain_phases`).
- Python keywords, builtins and the base class's own names get a trailing
  underscore (`id` becomes `id_`).
- A name already taken in its scope gets a suffix: ``Type`` for a class whose
  short name is taken, else a number.
"""

from __future__ import annotations

import builtins
import keyword
import re

from .build import Report, split_qname
from .bundles import RESERVED_MODULE_NAMES
from .model import ComplexClass, Enumeration, Field, Module, Package

# Names the runtime base class defines (see generated.runtime.objects.RESERVED_NAMES).
RESERVED_FIELD_NAMES = frozenset(
    {
        "declare_namespace",
        "element",
        "from_xml",
        "to_xml",
        "to_bytes",
        "unknown_type",
        "validate",
        "xsi_type",
    }
)
_PYTHON_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
# Fields are also keyword parameters of the generated `__init__(self, *, ...)`.
_PARAMETER_NAMES = frozenset({"self"})

# One word of an XML name.  Digits stay with the word before them (`Layer3`,
# `SHA256`, `x509`), and lowercase letters with the digits before them (`3d`).
# An acronym keeps a version suffix (`IPv4`, `ICMPv6`) and a plural acronym
# its "s" (`TTPs`).
_WORD = re.compile(
    r"[A-Z]+v[0-9]+(?![a-z])"
    r"|[A-Z]{2,}s(?![a-z])"
    r"|[A-Z]+[0-9]*(?![a-z])"
    r"|[A-Z]?[a-z]+[0-9]*"
    r"|[A-Z]+"
    r"|[0-9]+[a-z]*"
)


def split_words(name: str) -> list[str]:
    """Split an XML name into words at punctuation and case changes (`TTPs` stays one word)."""
    words: list[str] = []
    for part in re.split(r"[^0-9A-Za-z]+", name):
        words.extend(_WORD.findall(part))
    return words


def class_name(xml_name: str) -> str:
    """Return the PascalCase class name for an XML name, keeping acronyms whole."""
    parts = [part for part in re.split(r"[^0-9A-Za-z]+", xml_name) if part]
    pieces = []
    for part in parts:
        if part[0].isdigit():
            pieces.append("_" + part if pieces else "T" + part)
        else:
            pieces.append(part[0].upper() + part[1:])
    name = "".join(pieces) or "Unnamed"
    return name + "_" if name in _PYTHON_NAMES else name


def type_class_name(xml_name: str) -> str:
    """Return the class name for a type name, without its `Type` suffix."""
    base = re.sub(r"_?Type$", "", xml_name)
    return class_name(base or xml_name)


def field_name(xml_name: str) -> str:
    """Return the snake_case field name for an XML name."""
    words = split_words(xml_name)
    name = "_".join(word.lower() for word in words) or "field"
    if name[0].isdigit():
        name = "field_" + name
    return name


# Words whose plural is the word itself; a list field of `Targeted_Information`
# elements reads better as `targeted_information` than `targeted_informations`.
_UNCOUNTABLE_WORDS = frozenset(
    {
        "data",
        "equipment",
        "evidence",
        "firmware",
        "hardware",
        "information",
        "intelligence",
        "knowledge",
        "malware",
        "metadata",
        "software",
    }
)

# Words whose regular plural is not an English word.
_IRREGULAR_PLURALS = {"any": "any_elements"}


def plural(name: str) -> str:
    """Return the plural of a snake_case name by pluralising the word it counts.

    That is the last word, or in a name such as `course_of_action` the word
    before the last `of`, which gives `courses_of_action`.
    """
    words = name.split("_")
    counted = len(words) - 1
    if "of" in words[1:-1]:
        counted = len(words) - 3 - words[-2::-1].index("of")

    word = words[counted]
    if not word or word[-1].isdigit():
        return name + "_list"

    words[counted] = _plural_word(word)
    return "_".join(words)


def _plural_word(word: str) -> str:
    if word in _UNCOUNTABLE_WORDS:
        return word
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("is"):
        return word[:-2] + "es"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def safe_field_name(name: str) -> str:
    """Return `name` with a trailing underscore if it is a Python keyword or builtin,
    a name of the runtime base class, or `self`."""
    if name in _PYTHON_NAMES or name in RESERVED_FIELD_NAMES or name in _PARAMETER_NAMES:
        return name + "_"
    return name


def member_name(value: str) -> str:
    """Return the UPPER_SNAKE member name for an enumeration value."""
    words = split_words(value)
    name = "_".join(word.upper() for word in words)
    if not name:
        return "EMPTY"
    if name[0].isdigit():
        return "VALUE_" + name
    return name


def unique(name: str, taken: set[str], alternative: str | None = None) -> str:
    """Return `name`, or `alternative`, or `name` with a number, whichever is free first."""
    if name not in taken:
        taken.add(name)
        return name
    if alternative is not None and alternative not in taken:
        taken.add(alternative)
        return alternative
    counter = 2
    while f"{name}{counter}" in taken:
        counter += 1
    taken.add(f"{name}{counter}")
    return f"{name}{counter}"


def _module_name(namespace: str, taken: set[str]) -> str:
    """Return a module name for a namespace that the manifest does not map: its last path
    segment in snake_case, made a usable identifier and unique among `taken`."""
    name = field_name(namespace.rstrip("/").rsplit("/", 1)[-1])
    if name == "field" or name in _PYTHON_NAMES or name in RESERVED_MODULE_NAMES:
        name = f"{name}_module"
    return unique(name, set(taken) | RESERVED_MODULE_NAMES)


def assign_modules(package: Package, namespace_modules: dict[str, str], report: Report) -> None:
    """Put each class and enumeration into the module of its namespace."""
    modules: dict[str, Module] = {}
    files: dict[str, set[str]] = {}

    def module_for(namespace: str, origin_file: str, cls: ComplexClass | Enumeration) -> Module:
        name = namespace_modules.get(namespace)
        if name is None:
            name = _module_name(namespace, set(namespace_modules.values()))
            report.warn(cls.origin, f"namespace {namespace} has no module in the manifest; using {name}")
            namespace_modules[namespace] = name
        if name not in modules:
            modules[name] = Module(name=name, namespace=namespace, schema_files=[])
            files[name] = set()
        files[name].add(origin_file)
        return modules[name]

    for cls in sorted(package.classes.values(), key=lambda c: c.key):
        if cls.key.startswith("{http://www.w3.org/2001/XMLSchema}"):
            cls.module = "_bundle"
            continue
        module = module_for(cls.namespace, cls.origin.schema_file, cls)
        cls.module = module.name
        module.classes.append(cls)

    for enumeration in sorted(package.enumerations.values(), key=lambda e: e.key):
        module = module_for(enumeration.namespace, enumeration.origin.schema_file, enumeration)
        enumeration.module = module.name
        module.enumerations.append(enumeration)

    for name, module in modules.items():
        module.schema_files = sorted(files[name])
    package.modules = dict(sorted(modules.items()))


def name_classes(package: Package) -> None:
    """Name the classes and enumerations of every module."""
    single_element: dict[str, str] = {}
    counts: dict[str, int] = {}
    for tag, key in package.elements.items():
        counts[key] = counts.get(key, 0) + 1
        single_element[key] = tag

    for module in package.modules.values():
        taken: set[str] = set()
        named = [cls for cls in module.classes if not cls.anonymous]
        anonymous = [cls for cls in module.classes if cls.anonymous]

        for cls in named:
            local = split_qname(cls.qname)[1]
            name = type_class_name(local)
            tag = single_element.get(cls.key)
            if tag is not None and counts[cls.key] == 1 and split_qname(tag)[0] == cls.namespace:
                element_name = class_name(split_qname(tag)[1])
                if element_name != name:
                    name = element_name
            cls.python_name = unique(name, taken, class_name(local))

        for cls in anonymous:
            path = cls.key.split("}", 1)[-1].split("/")
            name = class_name(path[-1])
            qualified = "".join(class_name(part) for part in path)
            cls.python_name = unique(name, taken, qualified)

        for enumeration in module.enumerations:
            if enumeration.anonymous:
                owner, _, rest = enumeration.key.partition("@")
                owner_class = package.classes.get(owner.split("/#")[0])
                stem = owner_class.python_name if owner_class else class_name(split_qname(owner)[1])
                name = stem + class_name(rest.replace("#enumeration", "").rsplit("/", 1)[-1] or "Value")
            else:
                name = type_class_name(split_qname(enumeration.key)[1])
            enumeration.python_name = unique(name, taken, name + "Enum")

            member_names: set[str] = set()
            for member in enumeration.members:
                member.python_name = unique(member_name(member.value), member_names)

    any_type = package.classes.get("{http://www.w3.org/2001/XMLSchema}anyType")
    if any_type is not None:
        any_type.python_name = "AnyType"


def _field_base_name(field: Field) -> str:
    if field.kind == "text":
        return "value"
    if field.kind == "wildcard":
        return "any_elements"

    name = field_name(split_qname(field.xml_name)[1])
    if field.kind in ("values", "children"):
        name = plural(name)
    return safe_field_name(name)


def _field_identity(field: Field) -> tuple[str, str]:
    """Return what identifies a field across a base class and its subclasses."""
    side = field.kind if field.kind in ("attribute", "text", "wildcard") else "element"
    return side, field.xml_name


def name_fields(package: Package) -> None:
    """Name every field, keeping the names a base class already gave its fields."""
    done: set[str] = set()

    def visit(cls: ComplexClass) -> None:
        if cls.key in done:
            return
        done.add(cls.key)

        inherited: dict[tuple[str, str], str] = {}
        taken: set[str] = set()
        if cls.base_key is not None:
            base = package.classes[cls.base_key]
            visit(base)
            for field in base.fields:
                inherited[_field_identity(field)] = field.python_name
                taken.add(field.python_name)

        # The text field comes first so that it keeps the name `value`.
        ordered = sorted(cls.fields, key=lambda f: 0 if f.kind == "text" else 1)
        for field in ordered:
            known = inherited.get(_field_identity(field))
            if known is not None:
                field.python_name = known
                continue
            name = _field_base_name(field)
            alternative = f"{name.rstrip('_')}_attribute" if field.kind == "attribute" else None
            field.python_name = unique(name, taken, alternative)

    for cls in sorted(package.classes.values(), key=lambda c: c.key):
        visit(cls)


def name_package(package: Package, namespace_modules: dict[str, str], report: Report) -> None:
    """Assign modules, then name classes, enumerations and fields."""
    assign_modules(package, namespace_modules, report)
    name_classes(package)
    name_fields(package)
