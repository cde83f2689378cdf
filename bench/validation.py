"""Time schema validation of the largest STIX 1.2 sample with stixgen and with stix-validator.

Run from the repository root, after ``pip install -e '.[test]'`` and
``stixgen fetch``:

    python bench/validation.py [--repeat N] [--corpus DIR] [FILE]

Without FILE the document is the largest file (in bytes) of the sample
corpus folder ``shared/corpus/schemas-samples-1.2`` beside the repository.
Both validators run in this one process on the same file:

- stixgen: `generator.validation` (xmlschema 4.3.2 and the bundle's XSD
  files), reading the file with the bindings' safe parser.
- stix-validator: ``sdv.validate_xml(path)``, which compiles the schemas it
  needs with libxml2 on its first call and caches them.

Each tool's first call includes building its schema and is reported apart;
then each validates `--repeat` more times and the median is reported.
stix-validator's schemas are compiled with a default parser that refuses
remote URLs, so that neither tool touches the network.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY.parent / "shared" / "corpus" / "schemas-samples-1.2"

sys.path.insert(0, str(REPOSITORY))


class _RefuseRemote(etree.Resolver):
    """Fail on every http(s) URL that libxml2 asks for while compiling schemas."""

    def resolve(self, system_url: str, public_id: str, context: object) -> Any:
        if urlsplit(system_url or "").scheme in ("http", "https", "ftp"):
            raise OSError(f"refused to load the remote schema {system_url}")
        return None


def largest_document(folder: Path) -> Path:
    documents = sorted(folder.glob("*.xml"), key=lambda path: (-path.stat().st_size, path.name))
    if not documents:
        raise SystemExit(f"no .xml files in {folder}; give a FILE or --corpus")
    return documents[0]


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def run_ours(path: Path, repeat: int) -> tuple[float, float, float, int]:
    """Return (schema load s, first validation s, median validation s, error count)."""
    from generated.runtime import read_document
    from generator.validation import validator_for

    load, validator = timed(lambda: validator_for("stix-1.2"))

    def validate() -> int:
        return len(validator.validate_tree(read_document(path), source=str(path)))

    first, errors = timed(validate)
    times = [timed(validate)[0] for _ in range(repeat)]
    return load, first, statistics.median(times), errors


def run_sdv(path: Path, repeat: int) -> tuple[float, float, bool]:
    """Return (first call s, median call s, verdict)."""
    import sdv

    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_RefuseRemote())
    etree.set_default_parser(parser)

    first, results = timed(lambda: sdv.validate_xml(str(path)))
    times = [timed(lambda: sdv.validate_xml(str(path)))[0] for _ in range(repeat)]
    return first, statistics.median(times), bool(results.is_valid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, help="document to validate (default: the largest sample)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"folder of samples (default {CORPUS})")
    parser.add_argument("--repeat", type=int, default=3, help="validations after the first, per tool (default 3)")
    arguments = parser.parse_args(argv)

    path = arguments.file or largest_document(arguments.corpus)
    print(f"document: {path} ({path.stat().st_size:,} bytes)")
    print(
        f"Python {platform.python_version()}, xmlschema {importlib.metadata.version('xmlschema')}, "
        f"stix-validator {importlib.metadata.version('stix-validator')}, lxml {etree.__version__}, "
        f"libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}"
    )

    load, first, median, errors = run_ours(path, arguments.repeat)
    sdv_first, sdv_median, sdv_valid = run_sdv(path, arguments.repeat)

    print()
    print("| validator | first call (s) | later calls, median (s) | verdict |")
    print("|---|---|---|---|")
    print(
        f"| stixgen validate (xmlschema) | {load + first:.2f} (schema {load:.2f}) | {median:.2f} "
        f"| {'valid' if errors == 0 else f'{errors} errors'} |"
    )
    print(
        f"| stix-validator (libxml2) | {sdv_first:.2f} | {sdv_median:.2f} "
        f"| {'valid' if sdv_valid else 'invalid'} |"
    )
    print(f"\nlater calls: stixgen takes {median / sdv_median:.1f} times as long as stix-validator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
