"""Every corpus document that validates against its bundle still validates after a round trip.

Each document is validated against the bundle that `generated.select_bundle`
reads it with, read with that bundle's package, written with `to_bytes()` and
validated again. The verdicts before the round trip are also compared with
libxml2's for the STIX 1.2 bundle, so the test cannot pass by calling every
document invalid.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

from generated.runtime import read_document
from generator.bundles import load_manifest
from generator.validation import bundle_for_root, validator_for
from tests.conftest import CORPUS, REPOSITORY
from tests.test_validation import error_lines, libxml2_schema


def corpus_documents() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"sample corpus not found at {CORPUS} (it sits beside the repository as shared/corpus)")
    return sorted(CORPUS.rglob("*.xml"))


def package_of(bundle: str) -> str | None:
    """Return the generated package of a bundle, or None when it has not been generated."""
    name = f"generated.{load_manifest(bundle).package}"
    return name if importlib.util.find_spec(name) is not None else None


@pytest.mark.slow
def test_valid_documents_stay_valid(capsys: pytest.CaptureFixture[str]) -> None:
    documents = corpus_documents()
    if not (REPOSITORY / "schemas" / "stix-1.2" / "xsd").is_dir():
        pytest.skip("the STIX 1.2 XSD files are not fetched; run `stixgen fetch` first")
    libxml2 = libxml2_schema(validator_for("stix-1.2"))

    valid_before: list[str] = []
    invalid_before: list[str] = []
    broken_after: dict[str, list[str]] = {}
    disagreements: list[str] = []
    skipped: list[str] = []

    for path in documents:
        name = str(path.relative_to(CORPUS))
        tree = read_document(path)
        bundle = bundle_for_root(tree.getroot())
        package_name = package_of(bundle)
        if package_name is None:
            skipped.append(name)
            continue

        issues = validator_for(bundle).validate_tree(tree, source=name)
        if bundle == "stix-1.2" and (not issues) != (not error_lines(libxml2, path)):
            disagreements.append(f"{name}: ours {len(issues)} errors, libxml2 {error_lines(libxml2, path)}")
        if issues:
            invalid_before.append(name)
            continue
        valid_before.append(name)

        written = importlib.import_module(package_name).parse(path).to_bytes()
        after = validator_for(bundle).validate_tree(read_document(written), source=f"{name} (written)")
        if after:
            broken_after[name] = [str(issue) for issue in after[:3]]

    with capsys.disabled():
        print(
            f"\n{len(valid_before)} of {len(documents)} corpus documents are valid against their bundle; "
            f"{len(valid_before) - len(broken_after)} still valid after parse(...).to_bytes(); "
            f"{len(invalid_before)} invalid before; {len(skipped)} skipped (no generated package)"
        )

    assert disagreements == []
    assert broken_after == {}
    assert valid_before, "no corpus document validated"
