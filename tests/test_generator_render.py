"""The render filters `python_string` and `docstring`, directly and through a tiny template.

Schema text reaches generated code only through these two filters, so each
must turn any text into a literal that compiles, evaluates back to the text
(whitespace aside, for docstrings) and runs nothing.
"""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render import DOC_WIDTH, docstring, module_alias, python_string, template_environment

HOSTILE_TEXTS = [
    'ends with triple quotes """',
    '"""; import os; os.system("echo pwned"); """',
    "'''single triple quotes'''",
    'a "quoted" word and a trailing quote"',
    'four quotes """" and seven """""""',
    "back\\slash, \\n and \\x41 and \\N{BULLET} and a trailing backslash\\",
    "{{ package.bundle }} and {% for x in y %}{{ x }}{% endfor %} and {# comment #}",
    "def f():\n    return __import__('os').system('id')\n",
    "control \x00 \x07 \x1b[31m characters \x7f",
    "lone surrogate \ud800 here",
    "line\u2028separator and \x0c form feed",
    "",
]


def _normalized(text: str) -> str:
    """Return `text` as a docstring keeps it: whitespace collapsed, lone surrogates replaced."""
    text = "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    return " ".join(text.split())


def _evaluated(literal: str) -> object:
    compile(literal, "<literal>", "eval")
    return ast.literal_eval(literal)


# -- python_string ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_python_string_round_trips(text: str) -> None:
    literal = python_string(text)

    assert _evaluated(literal) == text
    assert "\n" not in literal


@given(st.text())
@settings(max_examples=200)
def test_python_string_any_text(text: str) -> None:
    assert _evaluated(python_string(text)) == text


# -- docstring -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_docstring_round_trips(text: str) -> None:
    literal = docstring(text, indent="    ")

    value = _evaluated(literal)

    assert isinstance(value, str)
    assert _normalized(value) == _normalized(text)
    assert literal.startswith('"""')
    assert literal.endswith('"""')


def test_docstring_short_text_one_line() -> None:
    assert docstring("Characterizes a kill chain.") == '"""Characterizes a kill chain."""'


def test_docstring_wraps_paragraphs() -> None:
    text = ("word " * 40) + "\n\n  second   paragraph\r\n"

    literal = docstring(text, indent="    ")

    lines = literal.splitlines()
    assert all(len(line) <= DOC_WIDTH for line in lines[:-1])
    assert "" in lines  # the blank line between the paragraphs
    assert lines[-1] == '    """'
    assert str(_evaluated(literal)).endswith("word\n\n    second paragraph\n    ")


def test_docstring_escapes_closing_quotes() -> None:
    assert docstring('say """') == '"""say ""\\""""'
    assert docstring('say "') == '"""say \\""""'


def test_docstring_escapes_backslash() -> None:
    assert docstring("a\\b") == '"""a\\\\b"""'


def test_docstring_escapes_control_characters() -> None:
    assert docstring("bell\x07") == '"""bell\\x07"""'
    assert docstring("x\ud800") == '"""x\ufffd"""'


def test_docstring_empty() -> None:
    assert _evaluated(docstring("")) == ""
    assert _evaluated(docstring(" \n\n \t")) == ""


@given(st.text(), st.sampled_from(["", "    ", "        "]))
@settings(max_examples=300)
def test_docstring_any_text(text: str, indent: str) -> None:
    value = _evaluated(docstring(text, indent=indent))

    assert isinstance(value, str)
    assert _normalized(value) == _normalized(text.replace("\r", ""))


# -- through a template ----------------------------------------------------------------------------

TEMPLATE = '''\
class Example:
    {{ doc | docstring("    ") }}

    VALUE = {{ value | python_string }}
'''


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_filters_through_template(text: str) -> None:
    template = template_environment().from_string(TEMPLATE)

    source = template.render(doc=text, value=text)

    namespace: dict[str, object] = {}
    exec(compile(source, "<rendered>", "exec"), namespace)
    example = namespace["Example"]
    assert example.VALUE == text  # type: ignore[attr-defined]
    assert _normalized(example.__doc__ or "") == _normalized(text)  # type: ignore[attr-defined]
    assert set(namespace) == {"__builtins__", "Example"}


def test_template_syntax_in_values_stays_text() -> None:
    template = template_environment().from_string("X = {{ value | python_string }}\n")

    source = template.render(value="{{ 7 * 7 }}{% raw %}")

    assert source == "X = '{{ 7 * 7 }}{% raw %}'\n"


def test_template_environment_rejects_undefined() -> None:
    import jinja2

    template = template_environment().from_string("{{ missing }}")

    with pytest.raises(jinja2.UndefinedError):
        template.render()


# -- module_alias ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("module", "alias"), [("stix_core", "_stix_core"), ("_bundle", "_bundle"), ("cpe", "_cpe")])
def test_module_alias(module: str, alias: str) -> None:
    assert module_alias(module) == alias


def test_module_alias_through_template() -> None:
    template = template_environment().from_string("from . import {{ name }} as {{ name | module_alias }}")

    assert template.render(name="stix_core") == "from . import stix_core as _stix_core"
