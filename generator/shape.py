"""Decide which element fields read as containers or as plain lists.

Two conveniences that a person writing bindings by hand would give:

- A *container* child (a complex type with element content only, no
  attributes, not abstract and not extended) reads as a new empty object when
  absent, so ``package.ttps.kill_chains.append(chain)`` works on a new package;
  it is written only once something is put into it.
- A *wrapper* child (a container whose only content is one repeated element,
  like ``Kill_Chains`` holding ``Kill_Chain``) reads and writes as the list of
  the repeated element.
"""

from __future__ import annotations

from .model import ComplexClass, Package


def is_container(cls: ComplexClass) -> bool:
    """Return True if an absent child of this class may read as a new empty object."""
    return (
        cls.content == "element"
        and not cls.abstract
        and not cls.subclass_keys
        and cls.any_attribute is None
        and all(field.kind != "attribute" for field in cls.fields)
        and any(field.kind != "wildcard" for field in cls.fields)
    )


def wrapped_item(cls: ComplexClass) -> tuple[str, str] | None:
    """Return (tag, class key) of the repeated element a wrapper class holds, or None."""
    if not is_container(cls) or len(cls.fields) != 1:
        return None

    (field,) = cls.fields
    if field.kind != "children" or len(field.tags) != 1 or field.class_key is None:
        return None
    return field.xml_name, field.class_key


def shape_fields(package: Package) -> None:
    """Mark container children and turn wrapper children into list fields."""
    for cls in package.classes.values():
        for field in cls.fields:
            if field.kind != "child" or field.class_key is None or len(field.tags) != 1:
                continue

            child = package.classes[field.class_key]
            item = wrapped_item(child)
            if item is not None:
                field.kind = "wrapped"
                field.item_tag, field.item_class_key = item
            elif is_container(child):
                field.container = True
