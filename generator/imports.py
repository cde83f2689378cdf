"""Order the classes of modules that extend each other's classes, and place their imports.

A generated module imports another one at run time only for base classes
(field types are resolved lazily by name).  When the classes of two modules
extend each other's, directly or through further modules, the modules form an
import cycle, and Python runs one of them while the other is only partly
defined.  So each module of such a cycle first lists the classes that need no
other module of the cycle.  It imports a module of the cycle right before the
first class that extends one of that module's classes, not at the top.

Whether that is enough is checked by running the imports on paper, starting
from every module of a cycle in turn (the bundle imports modules lazily, in
whatever order documents need them).  A cycle that no such order resolves
raises `ImportCycleError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .bundles import BundleError
from .model import ComplexClass, Package


class ImportCycleError(BundleError):
    """Modules extend each other's classes in an order that no import order can satisfy."""


@dataclass
class ModuleImports:
    """The layout of one module: its classes in definition order and the imports placed before some of them.

    `partners` are the modules in an import cycle with this one, and
    `deferred` maps a class key to the partner modules imported right before
    that class.
    """

    classes: list[ComplexClass]
    partners: frozenset[str] = frozenset()
    deferred: dict[str, list[str]] = field(default_factory=dict)


def import_graph(package: Package) -> dict[str, set[str]]:
    """Return, for each module, the other modules whose classes its classes extend."""
    graph: dict[str, set[str]] = {name: set() for name in package.modules}
    for cls in package.classes.values():
        base_module = _base_module(cls, package)
        if cls.module in graph and base_module in graph and base_module != cls.module:
            graph[cls.module].add(base_module)
    return graph


def cycle_partners(graph: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Return, for each module, the other modules of its import cycle (empty when it is in none)."""
    reachable = {name: _reachable(graph, name) for name in graph}
    return {
        name: frozenset(other for other in reachable[name] if other != name and name in reachable[other])
        for name in graph
    }


def plan_imports(package: Package, ordered: dict[str, list[ComplexClass]]) -> dict[str, ModuleImports]:
    """Lay out every module; `ordered` gives each module's classes with base classes first.

    Raises `ImportCycleError` when modules extend each other's classes in an
    order that no layout can import.
    """
    graph = import_graph(package)
    partners = cycle_partners(graph)
    plans = {name: _plan_module(name, ordered[name], partners[name], package) for name in ordered}

    for name in sorted(name for name, others in partners.items() if others):
        _simulate_import(name, plans, graph, package)
    return plans


def _plan_module(
    name: str, classes: list[ComplexClass], partners: frozenset[str], package: Package
) -> ModuleImports:
    if not partners:
        return ModuleImports(classes=list(classes))

    # A class needs the cycle when its base is in a partner module, or is a
    # class of this module that needs it.  `classes` lists bases first.
    needs: dict[str, bool] = {}
    for cls in classes:
        base = package.classes.get(cls.base_key) if cls.base_key else None
        needs[cls.key] = base is not None and (
            base.module in partners or (base.module == name and needs.get(base.key, False))
        )

    layout = [cls for cls in classes if not needs[cls.key]] + [cls for cls in classes if needs[cls.key]]
    deferred: dict[str, list[str]] = {}
    imported: set[str] = set()
    for cls in layout:
        base_module = _base_module(cls, package)
        if base_module in partners and base_module not in imported:
            deferred[cls.key] = [base_module]
            imported.add(base_module)
    return ModuleImports(classes=layout, partners=partners, deferred=deferred)


def _simulate_import(
    entry: str, plans: dict[str, ModuleImports], graph: dict[str, set[str]], package: Package
) -> None:
    """Run the imports that importing `entry` first triggers, and raise if a base class is not defined yet."""
    defined: set[str] = set()
    started: set[str] = set()

    def load(name: str) -> None:
        if name in started:
            return
        started.add(name)
        plan = plans[name]
        for other in sorted(graph[name] - plan.partners):
            load(other)
        for cls in plan.classes:
            for other in plan.deferred.get(cls.key, []):
                load(other)
            if cls.base_key is not None and cls.base_key not in defined and _base_module(cls, package) != name:
                base = package.classes[cls.base_key]
                raise ImportCycleError(
                    f"modules {name} and {base.module} extend each other's classes in an order that no "
                    f"import order satisfies: importing {entry} first defines {name}.{cls.python_name} "
                    f"before its base class {base.module}.{base.python_name}; the namespaces "
                    f"{package.modules[name].namespace} and {package.modules[base.module].namespace} "
                    "cannot be generated as separate modules"
                )
            defined.add(cls.key)

    load(entry)


def _base_module(cls: ComplexClass, package: Package) -> str | None:
    if cls.base_key is None:
        return None
    return package.classes[cls.base_key].module


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack: list[str] = [start]
    while stack:
        name = stack.pop()
        for other in sorted(graph.get(name, ())):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen
