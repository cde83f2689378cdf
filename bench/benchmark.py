"""Time and memory of reading and writing STIX 1.2 documents: lxml alone, these
bindings, and python-stix; time of generating the bindings and importing them.

Run from the repository root, after ``pip install -e '.[bench]'`` and
``stixgen fetch``:

    python bench/benchmark.py

The documents are the five largest of the sample corpus beside the repository
(``shared/corpus/schemas-samples-1.2``, or ``--corpus``).  A synthetic STIX
1.2 package of about 100 MB comes last.  The script writes that package into a
temporary folder by repeating the observables, indicators, TTPs and other
lists of a real sample, with the ids made unique in each copy.

Each measurement runs in a fresh Python process, so that one cannot inflate
another.  For time, the process runs the operation once on the same document
(on its source for the synthetic package), which loads the lazily imported
modules, then `--repeat` times.  For the sample documents, `--rounds`
processes per operation take turns with those of the other operations, so
that a change in the machine's load falls on all of them.  The tables give
the median wall-clock time and the median CPU time of the process.

Memory is measured in another fresh process that runs the operation once on
the smallest sample whose root is a STIX_Package, then once on the document:
the peak resident set size that ``resource.getrusage`` reports
(``ru_maxrss``), and its increase over the size after the small sample.  The
tables are printed as Markdown.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import json
import os
import pkgutil
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY.parent / "shared" / "corpus" / "schemas-samples-1.2"
SYNTHETIC_SOURCE = "Poison_Ivy_fireeye-pivy-report-with-indicators.xml"

STIX = "http://stix.mitre.org/stix-1"
STIX_HEADER = f"{{{STIX}}}STIX_Header"
_DECLARATION = re.compile(rb'\s+xmlns(?::([^\s=]+))?="([^"]*)"')

# The operation of each measurement, by name.
OPERATIONS = {
    "lxml": "lxml `etree.parse` + `etree.tostring` (the floor)",
    "ours": "`generated.stix_1_2.parse` + `to_bytes()`",
    "ours-read-all": "`parse` + read every field of every object + `to_bytes()`",
    "ours-stream": "`iterparse`: every top-level object, one at a time",
    "ours-stream-copy": "`iterparse` + `write_package` to a file",
    "python-stix": "python-stix `STIXPackage.from_xml` + `to_xml()`",
}
CORPUS_OPERATIONS = ["lxml", "ours", "ours-read-all", "python-stix"]
LARGE_OPERATIONS = ["lxml", "ours", "ours-read-all", "ours-stream", "ours-stream-copy", "python-stix"]

# Modules of the "core" import: the package with STIX core, common and TTP.
CORE_IMPORT = "import generated.stix_1_2; from generated.stix_1_2 import stix_core, stix_common, ttp"
ALL_IMPORT = (
    "import importlib, pkgutil, generated.stix_1_2 as package\n"
    "for module in pkgutil.iter_modules(package.__path__):\n"
    "    importlib.import_module('generated.stix_1_2.' + module.name)"
)


# --- what one worker process runs ------------------------------------------


def operation(kind: str) -> Callable[[Path], object]:
    """Return the function that reads and writes one document for `kind`."""
    if kind == "lxml":
        from lxml import etree

        return lambda path: etree.tostring(etree.parse(str(path)))

    import generated.stix_1_2 as bindings

    if kind == "ours":
        return lambda path: bindings.parse(path).to_bytes()
    if kind == "ours-read-all":
        return _parse_read_all_write
    if kind == "ours-stream":
        return lambda path: sum(1 for _ in bindings.iterparse(path))
    if kind == "ours-stream-copy":
        return _stream_copy
    if kind == "python-stix":
        from stix.core import STIXPackage  # type: ignore[import-untyped]  # python-stix has no type hints

        warnings.simplefilter("ignore")
        return lambda path: STIXPackage.from_xml(str(path)).to_xml()
    raise ValueError(f"unknown operation {kind!r}; known: {', '.join(OPERATIONS)}")


def _parse_read_all_write(path: Path) -> object:
    import generated.stix_1_2 as bindings

    obj = bindings.parse(path)
    read_every_field(obj)
    return obj.to_bytes()


def _stream_copy(path: Path) -> object:
    import generated.stix_1_2 as bindings

    reader = bindings.iterparse(path)
    with tempfile.TemporaryDirectory(prefix="stix-bench-") as folder:
        bindings.write_package(Path(folder) / "copy.xml", reader, reader)
    return reader


def read_every_field(root: Any) -> dict[str, int]:
    """Read every field of every object under `root` through its public attribute,
    and every item of every list, so that no lazily read value goes unread.

    The field names come from each class's `_fields` table.  Values that are
    outside their type raise when read; they are counted, not fatal.
    """
    from generated.runtime import BindingError, ComplexObject

    counts = {"objects": 0, "fields": 0, "invalid values": 0}
    stack = [root]
    while stack:
        current = stack.pop()
        counts["objects"] += 1
        for field in type(current)._fields:
            counts["fields"] += 1
            try:
                value = getattr(current, field.name)
                if isinstance(value, ComplexObject):
                    stack.append(value)
                elif isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, str):
                    stack.extend(entry for entry in value if isinstance(entry, ComplexObject))
            except (BindingError, ValueError):
                counts["invalid values"] += 1
    return counts


def run_worker(kind: str, path: Path, warm_up: Path, repeat: int, mode: str) -> dict[str, Any]:
    run = operation(kind)
    run(warm_up)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    times = []
    cpu_times = []
    for _ in range(repeat if mode == "time" else 1):
        started = time.perf_counter()
        cpu_started = time.process_time()
        run(path)
        cpu_times.append(time.process_time() - cpu_started)
        times.append(time.perf_counter() - started)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"times": times, "cpu_times": cpu_times, "peak_kib": peak, "baseline_kib": baseline}


# --- the synthetic large document -------------------------------------------


def write_synthetic(source: Path, target: Path, megabytes: float) -> int:
    """Write a package of about `megabytes` MB made of copies of the lists of `source`.

    Each copy of each list element's content gets ``-copyN`` appended to every
    `id` and `idref`, so ids stay unique and references stay inside one copy.
    The root declares the namespaces of the source's root, and nothing below
    it declares them again, as in the source.  Returns the number of copies.
    """
    from lxml import etree

    root = etree.parse(str(source)).getroot()
    start, end = _root_tags(root)
    lists = [child for child in root if isinstance(child.tag, str) and child.tag != STIX_HEADER]
    header = root.find(STIX_HEADER)

    one_copy = sum(len(_inner(_renumbered(element, 0))) for element in lists)
    copies = max(1, round(megabytes * 1_000_000 / one_copy))

    with open(target, "wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n' + start + b"\n")
        if header is not None:
            out.write(_without_root_declarations(etree.tostring(header, with_tail=False), root.nsmap) + b"\n")
        for element in lists:
            list_start, list_end = _root_tags(element)
            out.write(_without_root_declarations(list_start, root.nsmap))
            for number in range(copies):
                out.write(_inner(_renumbered(element, number)))
            out.write(list_end + b"\n")
        out.write(end + b"\n")
    return copies


def _renumbered(element: Any, number: int) -> Any:
    duplicate = copy.deepcopy(element)
    for node in duplicate.iter():
        for name in ("id", "idref"):
            value = node.get(name)
            if value is not None:
                node.set(name, f"{value}-copy{number}")
    return duplicate


def _inner(element: Any) -> bytes:
    """Return the serialised content of `element` without its own start and end tags."""
    from lxml import etree

    data: bytes = etree.tostring(element, with_tail=False)
    # libxml2 writes ">" in attribute values as "&gt;", so the first ">" ends the start tag.
    return data[data.index(b">") + 1 : data.rindex(b"</")]


def _without_root_declarations(data: bytes, bindings: dict[Any, str]) -> bytes:
    """Remove from the first start tag of `data` the namespace declarations that
    repeat one of `bindings`, which lxml copies onto every element it writes."""
    end = data.index(b">")

    def kept(match: re.Match[bytes]) -> bytes:
        prefix = match.group(1).decode() if match.group(1) else None
        return b"" if bindings.get(prefix) == match.group(2).decode() else match.group(0)

    return _DECLARATION.sub(kept, data[:end]) + data[end:]


def _root_tags(element: Any) -> tuple[bytes, bytes]:
    from lxml import etree

    shallow = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=element.nsmap)
    data: bytes = etree.tostring(shallow)
    name = data[1 : data.index(b" ") if b" " in data else data.index(b"/")]
    return data[:-2] + b">", b"</" + name + b">"


# --- the parent process --------------------------------------------------------


def measure(
    kinds: list[str], path: Path, warm_up: Path, small: Path, repeat: int, rounds: int
) -> list[dict[str, Any]]:
    """Time each of `kinds` on `path` and measure its memory.

    Each round runs one fresh timing process per kind, after a run on
    `warm_up`, so that a change in the machine's load during the measurement
    falls on every kind alike.  Memory is measured once per kind, in another
    fresh process, after a run on `small`.
    """
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu_times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind in kinds:
            timing = _worker(kind, path, warm_up, repeat, "time")
            times[kind] += timing["times"]
            cpu_times[kind] += timing["cpu_times"]

    rows = []
    for kind in kinds:
        memory = _worker(kind, path, small, 1, "memory")
        rows.append(
            {
                "kind": kind,
                "median_seconds": statistics.median(times[kind]),
                "median_cpu_seconds": statistics.median(cpu_times[kind]),
                "times": times[kind],
                "peak_mib": memory["peak_kib"] / 1024,
                "increase_mib": (memory["peak_kib"] - memory["baseline_kib"]) / 1024,
            }
        )
    return rows


def _worker(kind: str, path: Path, warm_up: Path, repeat: int, mode: str) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "worker", kind, str(path),
        "--warm-up", str(warm_up), "--repeat", str(repeat), "--mode", mode,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{kind} on {path.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def time_generation(repeat: int) -> dict[str, Any]:
    """Time `stixgen generate` of the STIX 1.2 bundle into a temporary folder, as a
    whole process; the first run starts without a schema cache."""
    stixgen = Path(sys.executable).with_name("stixgen")
    times = []
    with tempfile.TemporaryDirectory(prefix="stix-bench-") as folder:
        environment = dict(os.environ, STIXGEN_CACHE_DIR=str(Path(folder) / "cache"))
        for _ in range(repeat + 1):
            command = [str(stixgen), "generate", "--bundle", "stix-1.2", "--output", str(Path(folder) / "stix_1_2")]
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, cwd=REPOSITORY, env=environment)
            times.append(time.perf_counter() - started)
    return {"cold_seconds": times[0], "warm_median_seconds": statistics.median(times[1:]), "times": times}


def time_imports(repeat: int) -> dict[str, Any]:
    """Time each import in fresh processes, from bytecode and from source."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="stix-bench-") as folder:
        for name, statement in (("core", CORE_IMPORT), ("all", ALL_IMPORT)):
            compiled = Path(folder) / f"bytecode-{name}"
            _import_seconds(statement, compiled, write_bytecode=True)
            results[f"{name} from bytecode"] = statistics.median(
                _import_seconds(statement, compiled, write_bytecode=True) for _ in range(repeat)
            )
            results[f"{name} from source"] = statistics.median(
                _import_seconds(statement, Path(folder) / "empty", write_bytecode=False) for _ in range(repeat)
            )
    return results


def _import_seconds(statement: str, cache: Path, *, write_bytecode: bool) -> float:
    program = (
        "import time\nstarted = time.perf_counter()\n"
        f"{statement}\nprint(time.perf_counter() - started)"
    )
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write_bytecode:
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [sys.executable, "-X", f"pycache_prefix={cache}", "-c", program]
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPOSITORY, env=environment)
    return float(result.stdout.strip())


def machine() -> dict[str, str]:
    from lxml import etree

    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    kib = next((line.split()[1] for line in _lines("/proc/meminfo") if line.startswith("MemTotal:")), None)
    memory = f"{int(kib) / 1024 / 1024:.1f} GiB" if kib else "unknown"
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "Python": platform.python_version(),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "python-stix": _version("stix"),
        "xmlschema": _version("xmlschema"),
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def largest_documents(folder: Path, count: int) -> list[Path]:
    documents = sorted(folder.glob("*.xml"), key=lambda path: (-path.stat().st_size, path.name))
    return documents[:count]


def smallest_package(folder: Path) -> Path:
    """Return the smallest document of `folder` whose root is a STIX_Package, which
    every tool reads."""
    from lxml import etree

    def is_package(path: Path) -> bool:
        _, root = next(etree.iterparse(str(path), events=("start",)))
        return bool(root.tag == f"{{{STIX}}}STIX_Package")

    return min((path for path in folder.glob("*.xml") if is_package(path)), key=lambda path: (path.stat().st_size, path.name))


def document_table(name: str, size: int, rows: list[dict[str, Any]]) -> Iterator[str]:
    lxml = next(row for row in rows if row["kind"] == "lxml")
    floor, cpu_floor = lxml["median_seconds"], lxml["median_cpu_seconds"]
    yield f"\n### {name} ({size / 1_000_000:.1f} MB)\n"
    yield (
        "| operation | median time (s) | ratio to lxml | median CPU time (s) | CPU ratio to lxml "
        "| peak RSS (MiB) | RSS increase (MiB) |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|"
    for row in rows:
        yield (
            f"| {OPERATIONS[row['kind']]} | {row['median_seconds']:.3f} | {row['median_seconds'] / floor:.1f} "
            f"| {row['median_cpu_seconds']:.3f} | {row['median_cpu_seconds'] / cpu_floor:.1f} "
            f"| {row['peak_mib']:.0f} | {row['increase_mib']:.0f} |"
        )


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "worker":
        result = run_worker(arguments.kind, Path(arguments.path), Path(arguments.warm_up), arguments.repeat, arguments.mode)
        print(json.dumps(result))
        return 0

    skipped = set(arguments.skip)
    results: dict[str, Any] = {"machine": machine(), "documents": []}
    print("## Machine\n")
    for key, value in results["machine"].items():
        print(f"- {key}: {value}")
    sys.stdout.flush()

    documents = largest_documents(arguments.corpus, arguments.documents)
    if not documents:
        print(f"no documents found in {arguments.corpus}", file=sys.stderr)
        return 2
    small = smallest_package(arguments.corpus)

    print("\n## Reading and writing\n")
    print(
        f"Median of {arguments.rounds} processes x {arguments.repeat} runs for the sample documents, "
        f"{arguments.large_repeat} runs for the synthetic package; memory from `ru_maxrss` of "
        "a separate process."
    )
    for path in documents:
        kinds = [kind for kind in CORPUS_OPERATIONS if kind not in skipped]
        rows = measure(kinds, path, path, small, arguments.repeat, arguments.rounds)
        results["documents"].append({"name": path.name, "size": path.stat().st_size, "rows": rows})
        print("\n".join(document_table(path.name, path.stat().st_size, rows)))
        sys.stdout.flush()

    if arguments.large_mb > 0:
        with tempfile.TemporaryDirectory(prefix="stix-bench-") as folder:
            large = Path(folder) / "synthetic-package.xml"
            source = arguments.corpus / SYNTHETIC_SOURCE
            copies = write_synthetic(source, large, arguments.large_mb)
            name = f"synthetic package, {copies} copies of {SYNTHETIC_SOURCE}"
            kinds = [
                kind
                for kind in LARGE_OPERATIONS
                if kind not in skipped and not (kind == "python-stix" and arguments.skip_large_python_stix)
            ]
            rows = measure(kinds, large, source, small, arguments.large_repeat, 1)
            results["documents"].append({"name": name, "size": large.stat().st_size, "rows": rows})
            print("\n".join(document_table(name, large.stat().st_size, rows)))
            sys.stdout.flush()

    if "generate" not in skipped:
        generation = time_generation(arguments.generate_repeat)
        results["generation"] = generation
        print("\n## Generating the STIX 1.2 bundle (`stixgen generate`, whole process)\n")
        print(f"- first run, empty schema cache: {generation['cold_seconds']:.2f} s")
        print(f"- median of {arguments.generate_repeat} runs with the cache: {generation['warm_median_seconds']:.2f} s")

    if "import" not in skipped:
        imports = time_imports(arguments.repeat)
        results["imports"] = imports
        print("\n## Importing `generated.stix_1_2` (fresh process each, median)\n")
        print("| modules | from bytecode (s) | from source (s) |")
        print("|---|---:|---:|")
        modules = sum(1 for _ in pkgutil.iter_modules([str(REPOSITORY / "generated" / "stix_1_2")]))
        for name, label in (("core", "package + stix_core, stix_common, ttp"), ("all", f"all {modules} modules")):
            print(f"| {label} | {imports[f'{name} from bytecode']:.3f} | {imports[f'{name} from source']:.3f} |")

    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")

    worker = commands.add_parser("worker", help="run one measurement (used by the benchmark itself)")
    worker.add_argument("kind", choices=sorted(OPERATIONS))
    worker.add_argument("path")
    worker.add_argument("--warm-up", required=True, help="document to run the operation on once before measuring")
    worker.add_argument("--repeat", type=int, default=5)
    worker.add_argument("--mode", choices=("time", "memory"), default="time")

    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"folder of sample documents (default {CORPUS})")
    parser.add_argument("--documents", type=int, default=5, help="how many of its largest documents (default 5)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per process (default 5)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="timing processes per operation and sample document (default 3)"
    )
    parser.add_argument("--large-mb", type=float, default=100, help="size of the synthetic package in MB; 0 skips it")
    parser.add_argument(
        "--large-repeat", type=int, default=3, help="timed runs on the synthetic package, in one process (default 3)"
    )
    parser.add_argument("--skip-large-python-stix", action="store_true", help="skip python-stix on the synthetic package")
    parser.add_argument("--generate-repeat", type=int, default=3, help="timed generation runs after the first (default 3)")
    parser.add_argument(
        "--skip", action="append", default=[], help="skip an operation, 'generate' or 'import' (repeatable)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    return parser


if __name__ == "__main__":
    sys.exit(main())
