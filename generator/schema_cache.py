"""A cache of built schemas, so that generating a bundle again skips xmlschema's build.

Building the STIX 1.2 bundle with xmlschema takes about 2 s, most of the time
of a whole generation (`bench/benchmark.py`, see docs/benchmark.md).  The built schema is pickled into a cache folder and
read back (in under 1 s) when every input of the build is unchanged.  The
entry's key is a SHA-256 over:

- the versions of Python, xmlschema and elementpath, whose classes are pickled;
- the source of `generator.load` and of this module, which make the build;
- the bundle's name and the folder of its XSD files (schema URLs are absolute);
- the path and content of every ``.xsd`` file in that folder;
- any other input the caller passes (the umbrella schema, the redirects).

Any change gives a new key and a fresh build.  The cache keeps the three
newest entries of each bundle, and only builds that took a second or more.
A file that cannot be read back is rebuilt.

`generator.load` caches a bundle read from its own XSD folder, in
``schemas/<bundle>/cache/`` beside the bundle's manifest, which git ignores.
The environment variable ``STIXGEN_CACHE_DIR`` names another folder; set to
an empty string, it turns the cache off.

NOTE: unpickling runs code named in the file, so the cache folder must be as
trusted as the generator's own source; it holds only what this module wrote.
"""

from __future__ import annotations

import copyreg
import functools
import hashlib
import importlib.metadata
import logging
import os
import pickle
import platform
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "STIXGEN_CACHE_DIR"

# How many entries of one bundle the cache keeps, the most recently written.
KEPT_ENTRIES = 3

# A build faster than this is not cached: writing the entry would cost about
# as much as the build (small bundles, such as the tests make).
MIN_CACHED_BUILD_SECONDS = 1.0

T = TypeVar("T")


def cache_folder(default: Path) -> Path | None:
    """Return the cache folder: ``$STIXGEN_CACHE_DIR`` if set, else `default`;
    None when the variable is set to an empty string."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured is None:
        return default
    return Path(configured) if configured else None


def cache_key(name: str, xsd_dir: Path, extra: Iterable[str]) -> str:
    """Return the key of bundle `name` built from the ``.xsd`` files under `xsd_dir`
    and the other inputs `extra` (see the module docstring)."""
    digest = hashlib.sha256()

    def add(text: str) -> None:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    add(platform.python_implementation())
    add(sys.version)
    for distribution in ("xmlschema", "elementpath"):
        add(f"{distribution} {importlib.metadata.version(distribution)}")
    for module in ("load.py", "schema_cache.py"):
        add(hashlib.sha256((Path(__file__).parent / module).read_bytes()).hexdigest())

    add(name)
    add(str(xsd_dir.resolve()))
    for path in sorted(xsd_dir.rglob("*.xsd")):
        add(path.relative_to(xsd_dir).as_posix())
        add(hashlib.sha256(path.read_bytes()).hexdigest())
    for text in extra:
        add(text)
    return digest.hexdigest()


def load_or_build(folder: Path | None, name: str, key: str, build: Callable[[], T]) -> tuple[T, bool]:
    """Return the value cached under `key` in `folder`, or build, cache and return it.

    The second item is True when the value came from the cache.  `build`
    raising leaves the cache as it was.
    """
    if folder is None:
        return build(), False

    path = folder / f"{name}-{key}.pickle"
    cached = _read(path)
    if cached is not None:
        logger.info("read the built schema of bundle %s from %s", name, path)
        return cached, True

    started = time.perf_counter()
    value = build()
    if time.perf_counter() - started >= MIN_CACHED_BUILD_SECONDS:
        _write(folder, name, path, value)
    return value, False


def _read(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError) as error:
        logger.warning("cannot read the schema cache %s (%s); building the schema again", path, error)
        return None


def _write(folder: Path, name: str, path: Path, value: object) -> None:
    """Write `value` to `path` through a temporary file, and remove the older
    entries of bundle `name`; a failure is logged, not raised."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}-", suffix=".tmp", delete=False) as handle:
            temporary = Path(handle.name)
            try:
                _pickler(handle).dump(value)
            except BaseException:
                handle.close()
                temporary.unlink(missing_ok=True)
                raise
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError, RecursionError) as error:
        logger.warning("cannot write the schema cache %s: %s", path, error)
        return

    # Several entries of one bundle can be in use at once (the same files in
    # another folder, say), so the newest few are kept.
    entries = sorted(folder.glob(f"{name}-*.pickle"), key=_modified, reverse=True)
    for older in entries[KEPT_ENTRIES:]:
        older.unlink(missing_ok=True)
    logger.info("wrote the built schema of bundle %s to %s", name, path)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _pickler(handle: Any) -> pickle.Pickler:
    from xmlschema.validators import XsdComponent

    pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()

    # xmlschema keeps some tables as read-only mapping proxies, which pickle
    # cannot store; they are stored as dicts and wrapped again when read.
    table[types.MappingProxyType] = _reduce_mapping_proxy

    # xmlschema 4.3 leaves cached properties out of a component's pickled
    # state, but the annotation of a simple type is set, not cached: without
    # this, every enumeration would lose its documentation.
    for cls in _subclasses(XsdComponent):
        table[cls] = _reduce_component

    pickler.dispatch_table = table
    return pickler


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    pending = [cls]
    while pending:
        subclass: type
        for subclass in pending.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return found


def _reduce_component(component: Any) -> tuple[Any, ...]:
    state = _component_state(component)
    annotation = component.__dict__.get("annotation")
    if annotation is not None:
        state["annotation"] = annotation
    return (copyreg.__newobj__, (type(component),), state)  # type: ignore[attr-defined]


def _component_state(component: Any) -> dict[str, Any]:
    """Return what xmlschema's ``XsdValidator.__getstate__`` returns, faster.

    That method lists the class's slots and cached properties with ``dir()``
    for every component. The listing took most of the time of writing a cache
    entry, so here it is made once per class. A class that overrides the
    method keeps its own.
    """
    from xmlschema.validators import XsdValidator

    cls: Any = type(component)
    if cls.__getstate__ is not XsdValidator.__getstate__:
        return component.__getstate__()  # type: ignore[no-any-return]

    slots, cached_properties = _state_attributes(cls)
    state = {name: getattr(component, name) for name in slots}
    state.update(component.__dict__)
    for name in cached_properties:
        state.pop(name, None)
    return state


@functools.cache
def _state_attributes(cls: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(cls._mro_slots()), tuple(cls._cached_properties())


def _reduce_mapping_proxy(proxy: types.MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return (_mapping_proxy, (dict(proxy),))


def _mapping_proxy(mapping: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(mapping)
