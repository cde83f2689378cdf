"""Every corpus document that validates against its bundle still validates after a round trip.

Each document is validated against the bundle that `generated.select_bundle`
reads it with, read with that bundle's package, written with `to_bytes()` and
validated again. The verdicts before the round trip are also compared with
libxml2's for the STIX 1.2 bundle, so the test cannot pass by calling every
document invalid. The documents are spread over two worker processes,
largest first, because xmlschema takes over a minute for the whole corpus.
"""

from __future__ import annotations

import importlib
import importlib.util
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from generated.runtime import read_document
from generator.bundles import load_manifest
from generator.validation import bundle_for_root, validator_for
from tests.conftest import CORPUS, REPOSITORY
from tests.test_validation import error_lines, libxml2_schema

WORKERS = 2


@dataclass(frozen=True)
class Outcome:
    """What happened to one corpus document."""

    name: str
    skipped: bool = False
    errors_before: int = 0
    # Lines of libxml2's errors, for documents of the STIX 1.2 bundle.
    libxml2_lines: tuple[int, ...] | None = None
    errors_after: tuple[str, ...] = ()


def corpus_documents() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"sample corpus not found at {CORPUS} (it sits beside the repository as shared/corpus)")
    return sorted(CORPUS.rglob("*.xml"), key=lambda path: (-path.stat().st_size, str(path)))


def package_of(bundle: str) -> str | None:
    """Return the generated package of a bundle, or None when it has not been generated."""
    name = f"generated.{load_manifest(bundle).package}"
    return name if importlib.util.find_spec(name) is not None else None


@lru_cache(maxsize=1)
def stix_1_2_libxml2() -> etree.XMLSchema:
    return libxml2_schema(validator_for("stix-1.2"))


def check_document(path: Path) -> Outcome:
    """Validate one document, and if it is valid, validate what its round trip writes."""
    name = str(path.relative_to(CORPUS))
    tree = read_document(path)
    bundle = bundle_for_root(tree.getroot())
    package_name = package_of(bundle)
    if package_name is None:
        return Outcome(name, skipped=True)

    before = validator_for(bundle).validate_tree(tree, source=name)
    libxml2_lines = tuple(error_lines(stix_1_2_libxml2(), path)) if bundle == "stix-1.2" else None
    if before:
        return Outcome(name, errors_before=len(before), libxml2_lines=libxml2_lines)

    written = importlib.import_module(package_name).parse(path).to_bytes()
    after = validator_for(bundle).validate_tree(read_document(written), source=f"{name} (written)")
    return Outcome(name, libxml2_lines=libxml2_lines, errors_after=tuple(str(issue) for issue in after[:3]))


@pytest.mark.slow
def test_valid_documents_stay_valid(capsys: pytest.CaptureFixture[str]) -> None:
    documents = corpus_documents()
    if not (REPOSITORY / "schemas" / "stix-1.2" / "xsd").is_dir():
        pytest.skip("the STIX 1.2 XSD files are not fetched; run `stixgen fetch` first")

    # "spawn" starts clean interpreters: this process may hold locks of its own threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as executor:
        outcomes = list(executor.map(check_document, documents))

    checked = [outcome for outcome in outcomes if not outcome.skipped]
    valid_before = [outcome for outcome in checked if outcome.errors_before == 0]
    broken_after = {outcome.name: outcome.errors_after for outcome in valid_before if outcome.errors_after}
    disagreements = [
        f"{outcome.name}: ours {outcome.errors_before} errors, libxml2 errors on lines {outcome.libxml2_lines}"
        for outcome in checked
        if outcome.libxml2_lines is not None and (outcome.errors_before == 0) != (not outcome.libxml2_lines)
    ]

    with capsys.disabled():
        print(
            f"\n{len(valid_before)} of {len(documents)} corpus documents are valid against their bundle; "
            f"{len(valid_before) - len(broken_after)} still valid after parse(...).to_bytes(); "
            f"{len(checked) - len(valid_before)} invalid before; "
            f"{len(outcomes) - len(checked)} skipped (no generated package)"
        )

    assert disagreements == []
    assert broken_after == {}
    assert valid_before, "no corpus document validated"
