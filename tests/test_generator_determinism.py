"""The generator's output is deterministic, and the generated code passes `mypy --strict`.

The STIX 1.2 checks run the generator and mypy in subprocesses and take tens
of seconds, so they are marked slow (`.ci/run` runs them).
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import bundles
from generator.write import write_package
from tests.xsd_harness import XSD_DIR, generate_files

REPOSITORY = Path(__file__).resolve().parent.parent
FEAT = "urn:stixgen-test:features"
OTHER = "urn:stixgen-test:other"
NAMES = "urn:stixgen-test:names"
SUBPROCESS_TIMEOUT = 600


def _stix_validator_installed() -> bool:
    try:
        importlib.metadata.version("stix-validator")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


needs_distribution = pytest.mark.skipif(
    not _stix_validator_installed(),
    reason="stix-validator is not installed; run `pip install stix-validator==3.0.0` to run this test",
)


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*.py"))}


def _run(arguments: list[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        arguments,
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


def test_small_bundle_generates_identically_twice(tmp_path: Path) -> None:
    modules = {FEAT: "features", OTHER: "other"}

    first = generate_files(tmp_path / "first", XSD_DIR / "features", modules=modules)
    second = generate_files(tmp_path / "second", XSD_DIR / "features", modules=modules)

    assert first.files == second.files
    assert list(first.files) == sorted(first.files)


@pytest.mark.slow
@needs_distribution
def test_stix_generation_ignores_hash_seed(tmp_path: Path) -> None:
    manifest = bundles.load_manifest("stix-1.2")
    xsd_dir = bundles.fetch(manifest, tmp_path / "xsd")
    outputs = {}

    for seed in ("0", "12345"):
        output = tmp_path / f"seed-{seed}" / "stix_1_2"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        arguments = ["generate", "--bundle", "stix-1.2", "--xsd-dir", str(xsd_dir), "--output", str(output)]
        result = _run([sys.executable, "-m", "generator.cli", *arguments], env=env)
        assert result.returncode == 0, result.stderr
        outputs[seed] = _files(output)

    first, second = outputs.values()
    assert {"__init__.py", "_bundle.py", "stix_core.py"} <= set(first)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


@pytest.mark.slow
def test_stix_package_passes_mypy_strict(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "-p", "generated.stix_1_2"]
    )

    assert result.returncode == 0, result.stdout[-6000:]


@pytest.mark.slow
def test_small_packages_pass_mypy_strict(tmp_path: Path) -> None:
    # The test schemas hold the awkward cases: keywords as names, collisions,
    # restrictions that narrow field types, a class named BUNDLE.
    output = tmp_path / "out"
    packages = {
        "features_package": (XSD_DIR / "features", {FEAT: "features", OTHER: "other"}),
        "names_package": (XSD_DIR / "names", {NAMES: "names"}),
    }
    for name, (schemas, modules) in packages.items():
        generation = generate_files(tmp_path / name, schemas, modules=modules, package_name=name)
        write_package(generation.files, output / name)

    env = {**os.environ, "MYPYPATH": str(output)}
    arguments = ["--strict", "--cache-dir", str(tmp_path / "cache")]
    for name in packages:
        arguments += ["-p", name]
    result = _run([sys.executable, "-m", "mypy", *arguments], env=env)

    assert result.returncode == 0, result.stdout[-6000:]
