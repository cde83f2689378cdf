"""Shared fixtures: where the sample documents are, and skipping when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY.parent / "shared" / "corpus"


def corpus_file(relative: str) -> Path:
    """Return a document of the sample corpus, or skip the test when the corpus is absent."""
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"sample corpus not found at {CORPUS} (it sits beside the repository as shared/corpus)")
    return path
