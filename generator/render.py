"""Render the named model into Python source with the Jinja2 templates.

The templates only lay out text; every expression they print (field
constructors, type hints, string literals) is built here, by small functions
that tests call one by one.  Schema text reaches the output only through
`python_string` and `docstring`, which always produce a valid, inert literal.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .build import XSD_NAMESPACE, split_qname
from .imports import ModuleImports, plan_imports
from .model import ComplexClass, Enumeration, Field, Module, Package, SimpleType

# XSD built-in types, by local name, to the Python type of their values.
_BUILTIN_HINTS = {
    "decimal": "_Decimal",
    "float": "float",
    "double": "float",
    "boolean": "bool",
    "dateTime": "_dt.datetime",
    "date": "_dt.date",
    "time": "_dt.time",
    "base64Binary": "bytes",
    "hexBinary": "bytes",
}
_INTEGER_TYPES = frozenset(
    {
        "integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
        "negativeInteger", "long", "int", "short", "byte", "unsignedLong",
        "unsignedInt", "unsignedShort", "unsignedByte",
    }
)
_DESCRIPTORS = {
    "attribute": "AttributeField",
    "text": "Text",
    "value": "Value",
    "values": "Values",
    "child": "Child",
    "children": "Children",
    "wrapped": "WrappedChildren",
    "wildcard": "Wildcard",
}
DOC_WIDTH = 88

# The annotations of the class variables that `class_variables` lists. Each
# generated class restates them: without an annotation mypy infers the narrow
# type of the value (a tuple of exactly three strings, say), and a subclass
# that assigns another value then fails `mypy --strict`.
CLASS_VARIABLE_HINTS = {
    "_qname": "_typing.ClassVar[str]",
    "_element_tag": "_typing.ClassVar[str | None]",
    "_abstract": "_typing.ClassVar[bool]",
    "_content": "_typing.ClassVar[str]",
    "_field_names": "_typing.ClassVar[tuple[str, ...]]",
    "_any_attribute": "_typing.ClassVar[_f.Wildcard | None]",
}

# Names that the package's `__init__` defines itself, so no class is exported under them.
PACKAGE_NAMES = frozenset({"BUNDLE", "iterparse", "parse", "validate", "write_package"})

# The built-in templates live at the top of the repository, beside this package.
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def module_alias(module: str) -> str:
    """Return the private name under which a generated module imports another one."""
    return "_" + module.lstrip("_")


def python_string(text: str) -> str:
    """Return a Python string literal for `text`; `repr` escapes every character that could end it."""
    return repr(text)


def docstring(text: str, indent: str = "") -> str:
    """Return a triple-quoted docstring literal for `text`, wrapped and escaped.

    Backslashes, quotes and control characters are escaped, so documentation
    that contains code, template syntax or triple quotes stays inert text.
    """
    paragraphs = [" ".join(part.split()) for part in text.replace("\r", "").split("\n\n")]
    width = max(40, DOC_WIDTH - len(indent))
    lines: list[str] = []
    for paragraph in paragraphs:
        if not paragraph:
            continue
        if lines:
            lines.append("")
        lines.extend(textwrap.wrap(paragraph, width=width, break_long_words=False, break_on_hyphens=False))

    body = "\n".join(indent + line if line else "" for line in lines).strip()
    escaped: list[str] = []
    quotes = 0  # unescaped quotes just written
    for char in body:
        if char == '"':
            # A third quote in a row would end the literal.
            escaped.append('\\"' if quotes == 2 else '"')
            quotes = 0 if quotes == 2 else quotes + 1
            continue
        quotes = 0
        if char == "\\":
            escaped.append("\\\\")
        elif 0xD800 <= ord(char) <= 0xDFFF:
            # Python cannot even create a class whose docstring contains a lone
            # surrogate (XML text never contains one).
            escaped.append("\ufffd")
        elif char in "\n\t" or (ord(char) >= 32 and ord(char) != 127):
            escaped.append(char)
        else:
            escaped.append(f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")
    # Quotes at the end would run into the closing delimiter.
    for position in range(len(escaped) - quotes, len(escaped)):
        escaped[position] = '\\"'
    body = "".join(escaped)
    if "\n" in body:
        return f'"""{body}\n{indent}"""'
    return f'"""{body}"""'


@dataclass
class FieldView:
    name: str
    annotation: str
    constructor: str


@dataclass
class ParameterView:
    name: str
    hint: str


@dataclass
class ClassView:
    name: str
    base: str
    doc: str
    class_vars: list[tuple[str, str, str]]
    fields: list[FieldView]
    parameters: list[ParameterView]
    # Modules imported right before this class (see `generator.imports`).
    runtime_imports: list[str] = field(default_factory=list)


@dataclass
class EnumerationView:
    name: str
    doc: str
    members: list[tuple[str, str]]
    # The literal of the "module:Class" reference to the enumeration's vocabulary class, or None.
    vocabulary: str | None = None


@dataclass
class ModuleView:
    name: str
    doc: str
    runtime_imports: list[str]
    typing_imports: list[str]
    enumerations: list[EnumerationView]
    classes: list[ClassView]
    exports: list[str]


@dataclass
class _Context:
    """The modules that one module's text refers to, collected while it is built."""

    package: Package
    module: Module
    runtime_modules: set[str] = field(default_factory=set)
    typing_modules: set[str] = field(default_factory=set)

    def class_ref(self, key: str, *, runtime: bool = False) -> str:
        cls = self.package.classes[key]
        if cls.module == self.module.name:
            return cls.python_name
        (self.runtime_modules if runtime else self.typing_modules).add(cls.module)
        return f"{module_alias(cls.module)}.{cls.python_name}"

    def enumeration_ref(self, enumeration: Enumeration) -> str:
        if enumeration.module == self.module.name:
            return enumeration.python_name
        self.typing_modules.add(enumeration.module)
        return f"{module_alias(enumeration.module)}.{enumeration.python_name}"


def reference(package: Package, key: str) -> str:
    """Return the ``"module:Class"`` reference that the runtime resolves for a class key."""
    cls = package.classes[key]
    return f"{cls.module}:{cls.python_name}"


def value_hint(simple: SimpleType, context: _Context) -> str:
    """Return the Python type hint of values of a simple type."""
    if simple.kind == "enumeration" and simple.enumeration is not None:
        return context.enumeration_ref(simple.enumeration)
    if simple.kind == "list" and simple.item is not None:
        return f"list[{value_hint(simple.item, context)}]"
    if simple.kind == "builtin":
        if simple.builtin in _INTEGER_TYPES:
            return "int"
        return _BUILTIN_HINTS.get(simple.builtin, "str")
    return "str"


def codec_expression(simple: SimpleType, context: _Context) -> str:
    """Return the expression that builds the codec of a simple type."""
    name = python_string(simple.xsd_name)
    if simple.kind == "enumeration" and simple.enumeration is not None:
        enumeration = simple.enumeration
        if enumeration.module == context.module.name:
            return f"_c.EnumerationCodec({name}, {enumeration.python_name})"
        target = python_string(f"{enumeration.module}:{enumeration.python_name}")
        return f"_BUNDLE.enumeration_codec({name}, {target})"
    if simple.kind == "list" and simple.item is not None:
        return f"_c.ListCodec({name}, {codec_expression(simple.item, context)})"
    if simple.kind == "builtin":
        return f"_c.builtin({python_string(simple.builtin)})"
    return f"_c.StringCodec({name})"


def _occurs(field: Field) -> list[str]:
    arguments = []
    if field.min_occurs != 0:
        arguments.append(f"min_occurs={field.min_occurs}")
    if field.max_occurs != 1:
        arguments.append(f"max_occurs={field.max_occurs}")
    return arguments


def _wildcard_arguments(field: Field) -> list[str]:
    arguments = []
    if field.namespaces is not None:
        arguments.append(f"namespaces=frozenset({python_string_set(field.namespaces)})")
    if field.excluded:
        arguments.append(f"excluded=frozenset({python_string_set(field.excluded)})")
    return arguments


def python_string_set(values: frozenset[str]) -> str:
    return "{" + ", ".join(python_string(value) for value in sorted(values)) + "}"


def _tags(field: Field, package: Package) -> str:
    items = []
    for tag, key in field.tags.items():
        target = python_string(reference(package, key)) if key else "None"
        items.append(f"{python_string(tag)}: {target}")
    return "{" + ", ".join(items) + "}"


def field_constructor(field: Field, context: _Context) -> str:
    """Return the expression that creates the descriptor of a field."""
    descriptor = f"_f.{_DESCRIPTORS[field.kind]}"
    arguments: list[str] = []

    if field.kind == "attribute":
        assert field.simple is not None
        arguments += [python_string(field.xml_name), codec_expression(field.simple, context)]
        if field.required:
            arguments.append("required=True")
        if field.default is not None:
            arguments.append(f"default={python_string(field.default)}")
        if field.fixed is not None:
            arguments.append(f"fixed={python_string(field.fixed)}")
    elif field.kind == "text":
        assert field.simple is not None
        arguments.append(codec_expression(field.simple, context))
    elif field.kind == "wildcard":
        arguments.append(str(field.index))
        arguments += _wildcard_arguments(field)
    else:
        arguments += [python_string(field.xml_name), str(field.index)]
        if field.kind in ("value", "values"):
            assert field.simple is not None
            arguments.append(codec_expression(field.simple, context))
        else:
            arguments.append(f"tags={_tags(field, context.package)}")
        if field.kind == "wrapped":
            assert field.item_tag is not None and field.item_class_key is not None
            arguments.append(f"item_tag={python_string(field.item_tag)}")
            arguments.append(f"item_class={python_string(reference(context.package, field.item_class_key))}")
        if field.container:
            arguments.append("container=True")
        arguments += _occurs(field)

    if field.doc:
        arguments.append(f"doc={python_string(' '.join(field.doc.split()))}")
    return f"{descriptor}({', '.join(arguments)})"


def field_annotation(field: Field, context: _Context) -> str:
    """Return the class-level annotation of a field's descriptor."""
    descriptor = f"_f.{_DESCRIPTORS[field.kind]}"
    if field.kind == "wildcard":
        return descriptor
    if field.simple is not None:
        return f"{descriptor}[{value_hint(field.simple, context)}]"
    key = field.item_class_key if field.kind == "wrapped" else field.class_key
    assert key is not None
    return f"{descriptor}[{context.class_ref(key)}]"


def parameter_hint(field: Field, context: _Context) -> str:
    """Return the type hint of a field's keyword argument in `__init__`."""
    if field.simple is not None:
        hint = value_hint(field.simple, context)
        single = hint if hint == "str" else f"{hint} | str"
        if field.kind == "values":
            return f"_typing.Iterable[{single}] | None"
        return f"{single} | None"

    key = field.item_class_key if field.kind == "wrapped" else field.class_key
    assert key is not None
    hint = context.class_ref(key)
    if field.kind in ("children", "wrapped"):
        return f"_typing.Iterable[{hint}] | None"
    if context.package.classes[key].content == "simple":
        return f"{hint} | str | None"
    return f"{hint} | None"


def ordered_fields(cls: ComplexClass) -> list[Field]:
    """Return the fields in the order of `_field_names`: attributes, text, elements."""
    rank = {"attribute": 0, "text": 1}
    return sorted(cls.fields, key=lambda f: (rank.get(f.kind, 2), f.index if f.kind not in rank else 0))


def own_fields(cls: ComplexClass, package: Package) -> list[Field]:
    """Return the fields that the class must declare: new ones and changed ones."""
    if cls.base_key is None:
        return ordered_fields(cls)
    base = {f.python_name: f.signature() for f in package.classes[cls.base_key].fields}
    return [f for f in ordered_fields(cls) if base.get(f.python_name) != f.signature()]


def _base_fields(cls: ComplexClass, package: Package) -> dict[str, Field]:
    """Return the fields that `cls` inherits, by Python name, from the nearest base that has each."""
    fields: dict[str, Field] = {}
    key = cls.base_key
    while key is not None:
        base = package.classes[key]
        for field in base.fields:
            fields.setdefault(field.python_name, field)
        key = base.base_key
    return fields


# Descriptors whose `__get__` returns ``X | None``; the list descriptors return
# mutable sequences, which are invariant in their item type.
_SINGLE_VALUE_KINDS = frozenset({"attribute", "text", "value", "child"})


def _value_type(simple: SimpleType) -> tuple[str, ...]:
    """Return what identifies the Python type of a simple type's values."""
    if simple.kind == "enumeration" and simple.enumeration is not None:
        return ("enumeration", simple.enumeration.key)
    if simple.kind == "list" and simple.item is not None:
        return ("list", *_value_type(simple.item))
    if simple.kind == "builtin" and simple.builtin in _INTEGER_TYPES:
        return ("builtin", "int")
    if simple.kind == "builtin":
        return ("builtin", _BUILTIN_HINTS.get(simple.builtin, "str"))
    return ("builtin", "str")


def _is_subclass(key: str, base_key: str, package: Package) -> bool:
    current: str | None = key
    while current is not None:
        if current == base_key:
            return True
        current = package.classes[current].base_key
    return False


def overrides_compatibly(field: Field, base: Field, package: Package) -> bool:
    """Return True if mypy accepts `field` as a redefinition of the inherited `base`.

    mypy compares the types that the two descriptors' `__get__` return: a
    single value may narrow (an enumeration, whose members are `str`, for a
    string; a subclass for its base class), a list may not.
    """
    if field.kind != base.kind:
        return False
    if field.simple is not None and base.simple is not None:
        new, old = _value_type(field.simple), _value_type(base.simple)
        if new == old:
            return True
        return field.kind in _SINGLE_VALUE_KINDS and new[0] == "enumeration" and old == ("builtin", "str")

    new_key = field.item_class_key if field.kind == "wrapped" else field.class_key
    old_key = base.item_class_key if base.kind == "wrapped" else base.class_key
    if new_key is None or old_key is None:
        return new_key == old_key
    if new_key == old_key:
        return True
    return field.kind in _SINGLE_VALUE_KINDS and _is_subclass(new_key, old_key, package)


def class_view(cls: ComplexClass, context: _Context) -> ClassView:
    package = context.package
    base = context.class_ref(cls.base_key, runtime=True) if cls.base_key else "_BundleObject"

    class_vars = class_variables(cls)
    if cls.base_key is not None:
        # Class variables are inherited, so restate each one whose value differs from the base's.
        inherited_vars = dict(class_variables(package.classes[cls.base_key], inherited=True))
        defaults = dict(class_variables(cls, inherited=True))
        class_vars = [(name, value) for name, value in defaults.items() if inherited_vars.get(name) != value]

    inherited = _base_fields(cls, package)
    fields = []
    for field in own_fields(cls, package):
        annotation = field_annotation(field, context)
        constructor = field_constructor(field, context)
        previous = inherited.get(field.python_name)
        if previous is not None and not overrides_compatibly(field, previous, package):
            # A restriction may change a field's type in a way that Python typing calls incompatible.
            constructor += "  # type: ignore[assignment]"
        fields.append(FieldView(field.python_name, annotation, constructor))

    parameters = [
        ParameterView(f.python_name, parameter_hint(f, context))
        for f in ordered_fields(cls)
        if f.kind != "wildcard"
    ]
    return ClassView(
        name=cls.python_name,
        base=base,
        doc=docstring(_class_doc(cls), indent="    "),
        class_vars=[(name, CLASS_VARIABLE_HINTS[name], value) for name, value in class_vars],
        fields=fields,
        parameters=parameters,
    )


def class_variables(cls: ComplexClass, *, inherited: bool = False) -> list[tuple[str, str]]:
    """Return the class variables of a class as (name, expression) pairs.

    Without `inherited`, variables at their runtime default are left out;
    with it, every variable is listed, to compare a class with its base.
    """
    element_tag = cls.element_tags[0] if len(cls.element_tags) == 1 else None
    names = ", ".join(python_string(f.python_name) for f in ordered_fields(cls))
    any_attribute = "None"
    if cls.any_attribute is not None:
        any_attribute = f"_f.Wildcard({', '.join(['0'] + _wildcard_arguments(cls.any_attribute))})"

    variables = [
        ("_qname", python_string(cls.qname)),
        ("_element_tag", python_string(element_tag) if element_tag else "None"),
        ("_abstract", str(cls.abstract)),
        ("_content", python_string(cls.content)),
        ("_field_names", f"({names},)" if len(cls.fields) == 1 else f"({names})"),
        ("_any_attribute", any_attribute),
    ]
    if inherited:
        return variables
    defaults = {"_element_tag": "None", "_abstract": "False", "_any_attribute": "None"}
    return [(name, value) for name, value in variables if defaults.get(name) != value]


def _class_doc(cls: ComplexClass) -> str:
    if cls.anonymous:
        source = f"The anonymous complex type of element {cls.key}"
    else:
        source = f"Complex type {cls.qname}"
    source += f", from {cls.origin.schema_file}."
    return f"{cls.doc}\n\n{source}" if cls.doc else source


def sort_by_base(classes: list[ComplexClass]) -> list[ComplexClass]:
    """Order classes so that a base class defined in the same module comes first."""
    by_key = {cls.key: cls for cls in classes}
    ordered: list[ComplexClass] = []
    seen: set[str] = set()

    def visit(cls: ComplexClass) -> None:
        if cls.key in seen:
            return
        seen.add(cls.key)
        if cls.base_key in by_key:
            visit(by_key[cls.base_key])
        ordered.append(cls)

    for cls in classes:
        visit(cls)
    return ordered


def module_view(module: Module, package: Package, layout: ModuleImports | None = None) -> ModuleView:
    """Return what the module template prints; `layout` orders the classes and places imports."""
    if layout is None:
        layout = ModuleImports(classes=sort_by_base(module.classes))
    context = _Context(package, module)
    enumerations = [
        EnumerationView(
            name=enumeration.python_name,
            doc=docstring(_enumeration_doc(enumeration, package), indent="    "),
            members=[(member.python_name, python_string(member.value)) for member in enumeration.members],
            vocabulary=vocabulary_reference(enumeration, package),
        )
        for enumeration in module.enumerations
    ]
    classes = []
    for cls in layout.classes:
        view = class_view(cls, context)
        view.runtime_imports = layout.deferred.get(cls.key, [])
        classes.append(view)
    exports = sorted([view.name for view in classes] + [view.name for view in enumerations])
    files = ", ".join(module.schema_files)
    return ModuleView(
        name=module.name,
        doc=docstring(f"Bindings for namespace {module.namespace} (schema {files})."),
        runtime_imports=sorted(context.runtime_modules - {module.name} - layout.partners),
        typing_imports=sorted(context.typing_modules - context.runtime_modules - {module.name}),
        enumerations=enumerations,
        classes=classes,
        exports=exports,
    )


def vocabulary_reference(enumeration: Enumeration, package: Package) -> str | None:
    """Return the string literal of the enumeration's vocabulary class reference, or None."""
    if enumeration.vocabulary_key is None:
        return None
    return python_string(reference(package, enumeration.vocabulary_key))


def _enumeration_doc(enumeration: Enumeration, package: Package) -> str:
    source = f"Enumeration {enumeration.xsd_name}, from {enumeration.origin.schema_file}."
    if enumeration.vocabulary_key is not None:
        vocabulary = package.classes[enumeration.vocabulary_key]
        source += (
            f" A member stored in a controlled vocabulary field is written as "
            f"{vocabulary.python_name}, with xsi:type {split_qname(vocabulary.qname)[1]}."
        )
    return f"{enumeration.doc}\n\n{source}" if enumeration.doc else source


# Namespace families in the order they claim a name at the package top.
_EXPORT_FAMILIES = (
    ("stix/core", "stix-1"),
    ("stix/common", "common-1"),
    ("stix/", "stix.mitre.org/"),
    ("data-marking", "data-marking.mitre.org/"),
    ("cybox/core", "cybox-2"),
    ("cybox/common", "cybox.mitre.org/common-2"),
    ("cybox/", "cybox.mitre.org/"),
)


def export_rank(namespace: str) -> int:
    """Return the rank of a namespace when two modules define the same class name:
    STIX core, STIX common, other STIX, data marking, then CybOX, then the rest."""
    for rank, markers in enumerate(_EXPORT_FAMILIES):
        if any(marker in namespace for marker in markers):
            return rank
    return len(_EXPORT_FAMILIES)


def exports(package: Package) -> dict[str, str]:
    """Return the names the package exports at its top, first come first served
    in the order of `export_rank`, then by module name."""
    order = sorted(package.modules, key=lambda name: (export_rank(package.modules[name].namespace), name))
    names: dict[str, str] = {}
    for module_name in order:
        module = package.modules[module_name]
        for cls in module.classes:
            names.setdefault(cls.python_name, f"{module_name}:{cls.python_name}")
        for enumeration in module.enumerations:
            names.setdefault(enumeration.python_name, f"{module_name}:{enumeration.python_name}")

    # A class with one of these names stays importable from its own module.
    for name in PACKAGE_NAMES:
        names.pop(name, None)
    return dict(sorted(names.items()))


def template_environment(template_dirs: list[Path] | None = None) -> jinja2.Environment:
    """Return the Jinja2 environment: user template folders first, then the built-in ones."""
    search = [str(path) for path in template_dirs or []] + [str(TEMPLATES_DIR)]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["python_string"] = python_string
    environment.filters["docstring"] = docstring
    environment.filters["module_alias"] = module_alias
    return environment


def render_package(package: Package, template_dirs: list[Path] | None = None) -> dict[str, str]:
    """Return every file of the generated package as {relative path: text}."""
    environment = template_environment(template_dirs)
    files: dict[str, str] = {}

    module_template = environment.get_template("module.py.jinja")
    layouts = plan_imports(package, {name: sort_by_base(module.classes) for name, module in package.modules.items()})
    for name, module in package.modules.items():
        view = module_view(module, package, layouts[name])
        files[f"{name}.py"] = module_template.render(module=view, package=package)

    types = {
        cls.qname: reference(package, cls.key)
        for cls in package.classes.values()
        if cls.qname and not cls.anonymous
    }
    elements = {tag: reference(package, key) for tag, key in package.elements.items()}
    any_type = package.classes.get(f"{{{XSD_NAMESPACE}}}anyType")
    any_view = class_view(any_type, _Context(package, Module("_bundle", XSD_NAMESPACE, []))) if any_type else None

    files["_bundle.py"] = environment.get_template("bundle.py.jinja").render(
        package=package,
        types=dict(sorted(types.items())),
        elements=dict(sorted(elements.items())),
        prefixes=dict(sorted(package.prefixes.items())),
        any_type=any_view,
    )
    files["__init__.py"] = environment.get_template("package.py.jinja").render(
        package=package,
        exports=exports(package),
        roots=_root_classes(package),
    )
    return dict(sorted(files.items()))


def _root_classes(package: Package) -> list[tuple[str, str]]:
    """Return (module, class) pairs imported for type checkers by the package's `__init__`."""
    pairs = set()
    for name, target in exports(package).items():
        module, _, class_name = target.partition(":")
        pairs.add((module, class_name))
    return sorted(pairs)


def local_name(qname: str) -> str:
    return split_qname(qname)[1]
