"""The command line reports bad input in one line on standard error, with exit status 2.

A traceback appears only with `--debug`.  Most tests call `cli.main` in
process; one runs `python -m generator.cli` to check what a shell sees.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generated.runtime import DocumentError
from generator import cli
from tests.conftest import corpus_file
from tests.local_server import recording_server

REPOSITORY = Path(__file__).resolve().parent.parent
SECRET = "SECRET-FILE-CONTENT-c41e"


def _roundtrip(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    status = cli.main(["roundtrip", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line]


def test_roundtrip_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "missing.xml"

    status, out, err = _roundtrip(capsys, str(path))

    assert status == cli.EXIT_UNUSABLE
    assert _error_lines(err) == [f"stixgen: error: {path}: cannot read the document: No such file or directory"]
    assert "0 of 1 documents" in out


def test_roundtrip_not_xml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.xml"
    path.write_text("these are notes,\nnot XML\n", encoding="utf-8")

    status, _, err = _roundtrip(capsys, str(path))

    lines = _error_lines(err)
    assert status == cli.EXIT_UNUSABLE
    assert len(lines) == 1
    assert lines[0].startswith(f"stixgen: error: {path}, line 1: not well-formed XML")
    assert "Traceback" not in err


def test_roundtrip_hostile_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    path = tmp_path / "hostile.xml"

    with recording_server() as server:
        path.write_text(
            f'<!DOCTYPE stix:STIX_Package SYSTEM "{server.url("/stix.dtd")}" [\n'
            f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
            '<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" version="1.2">&xxe;</stix:STIX_Package>\n',
            encoding="utf-8",
        )
        status, _, err = _roundtrip(capsys, str(path))
        requests = list(server.requests)

    lines = _error_lines(err)
    assert status == cli.EXIT_UNUSABLE
    assert len(lines) == 1
    assert lines[0].startswith(f"stixgen: error: {path}, line 1: ")
    assert "DOCTYPE" in lines[0]
    assert SECRET not in err
    assert requests == []


def test_roundtrip_reports_each_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = corpus_file("idioms/documentation_idioms_kill-chain_kill-chain.xml")
    bad = tmp_path / "empty.xml"
    bad.write_bytes(b"")

    status, out, err = _roundtrip(capsys, str(good), str(bad), str(tmp_path / "missing.xml"))

    assert status == cli.EXIT_UNUSABLE
    assert len(_error_lines(err)) == 2
    assert f"{good}: equal" in out
    assert "1 of 3 documents round-trip without loss" in out


def test_roundtrip_debug_shows_traceback(tmp_path: Path) -> None:
    with pytest.raises(DocumentError):
        cli.main(["--debug", "roundtrip", str(tmp_path / "missing.xml")])


def test_unknown_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _roundtrip(capsys, "--bundle", "no-such-bundle", str(tmp_path / "x.xml"))

    lines = _error_lines(err)
    assert status == cli.EXIT_UNUSABLE
    assert len(lines) == 1
    assert lines[0].startswith("stixgen: error: manifest not found for 'no-such-bundle'")


def test_command_line_in_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "truncated.xml"
    path.write_bytes(b'<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1">\n<stix:STIX_Header>')

    for debug in (False, True):
        options = ["--debug"] if debug else []
        result = subprocess.run(
            [sys.executable, "-m", "generator.cli", *options, "roundtrip", str(path)],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

        if debug:
            assert "Traceback" in result.stderr
            assert "MalformedXMLError" in result.stderr
        else:
            lines = _error_lines(result.stderr)
            assert result.returncode == cli.EXIT_UNUSABLE
            assert len(lines) == 1
            assert lines[0].startswith(f"stixgen: error: {path}, line 2: not well-formed XML")
            assert "near element stix:STIX_Header" in lines[0]


def test_roundtrip_bundle_without_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _roundtrip(capsys, "--bundle", "stix-1.1", str(tmp_path / "x.xml"))

    lines = _error_lines(err)
    assert status == cli.EXIT_UNUSABLE
    assert len(lines) == 1
    assert "bundle stix-1.1 has no generated package" in lines[0]
    assert "stixgen generate --bundle stix-1.1" in lines[0]


def test_roundtrip_strict_failure_names_lenient(capsys: pytest.CaptureFixture[str]) -> None:
    # The sighting idiom has indicator:Sightings inside a stix:Indicator without an xsi:type.
    path = corpus_file("idioms/getting-started_analyst-exercise_sighting.xml")

    status, _, err = _roundtrip(capsys, str(path))
    lenient_status, lenient_out, _ = _roundtrip(capsys, "--lenient", str(path))

    lines = _error_lines(err)
    assert status == cli.EXIT_UNUSABLE
    assert len(lines) == 1
    assert "line 10" in lines[0]
    assert lines[0].endswith("(--lenient keeps content that the schema does not allow)")
    assert lenient_status == cli.EXIT_OK
    assert f"{path}: equal" in lenient_out
