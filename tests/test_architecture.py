"""The architecture README.md's "Architecture" section describes, kept true by reading the
source (ast, no import): no import cycle; pure modules import no I/O; only host.py and cli.py
wire the pipeline's parts together and nothing imports them; no module or function longer
than one sitting; and the section names every module.

What counts as an import: every `import` and `from ... import` statement anywhere in a module
(function-level ones too, since they run), resolved to the native_host module it loads
(`from . import x` is the submodule x when there is one). Imports under `if TYPE_CHECKING:`
are read by type checkers only; they count for the cycle check (a cycle of types is still
two modules that cannot be understood one without the other) but not as I/O, since they
never run.

Pure modules import none of IO_MODULES. Why each is there: os, sys, io, shutil, tempfile,
glob and mmap reach the file system, the process or its standard streams; sqlite3, socket,
ssl, http, urllib.request the disk or the network; subprocess, signal, threading, asyncio,
multiprocessing, concurrent, select and selectors other processes or threads; platformdirs,
locale, getpass and pwd/grp the user's environment; importlib loads code from the disk;
logging writes; winreg, msvcrt and fcntl are OS seams. Two modules are allowed by name only:
`pathlib`'s Pure* classes (path arithmetic, never a file system call; targets.py computes
Windows paths on Linux with them) and `io`'s StringIO/BytesIO (buffers in memory, which the
csv module needs). `time` and `datetime` are allowed: reading the clock is not I/O (the store
stamps events with it). Pure modules also call none of the built-ins that do I/O or load
code (open, print, input, exec, eval, __import__, breakpoint), and import only other pure
modules, packages included (importing native_host.store.columns runs store/__init__.py).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "native_host"

#: Modules that import no I/O (see the module docstring), by path under native_host/.
#: framing.py and replies.py read and write only the stream they are handed.
PURE = frozenset(
    {
        "__init__.py",
        "record.py",
        "reasons.py",
        "fields.py",
        "errors.py",
        "messages.py",
        "framing.py",
        "replies.py",
        "policy.py",
        "decide.py",
        "decision_types.py",
        "sites.py",
        "policy_schema.py",
        "policy_view.py",
        "policy_edit.py",
        "explanations.py",
        "textsafe.py",
        "privacy.py",
        "digest.py",
        "options.py",
        "store/columns.py",
        "store/clock.py",
        "report/__init__.py",
        "report/cells.py",
        "report/tables.py",
        "report/formats.py",
        "report/history.py",
        "report/stats.py",
        "report/policy.py",
        "report/prune.py",
        "registration/__init__.py",
        "registration/targets.py",
        "registration/manifest.py",
        "registration/launcher.py",
        "registration/steps.py",
    }
)

IO_MODULES = frozenset(
    {
        "os",
        "sys",
        "io",
        "pathlib",
        "shutil",
        "tempfile",
        "glob",
        "mmap",
        "sqlite3",
        "socket",
        "ssl",
        "http",
        "urllib.request",
        "subprocess",
        "signal",
        "threading",
        "asyncio",
        "multiprocessing",
        "concurrent",
        "select",
        "selectors",
        "platformdirs",
        "locale",
        "getpass",
        "pwd",
        "grp",
        "importlib",
        "logging",
        "winreg",
        "msvcrt",
        "fcntl",
    }
)

#: Names a pure module may take from an I/O module: (module, name prefix).
PURE_NAMES = (("pathlib", "Pure"), ("io", "StringIO"), ("io", "BytesIO"))

IO_BUILTINS = frozenset({"open", "print", "input", "exec", "eval", "__import__", "breakpoint"})

#: The two modules that wire siblings together, and the parts only each of them imports
#: (besides the parts themselves): the host's request handlers, the CLI's commands.
WIRING = {
    "native_host.host": ("native_host.handlers",),
    "native_host.cli": ("native_host.commands", "native_host.registration.commands"),
}

#: Test files about the whole rather than one module, by the name's start after `test_`
#: (README.md, "Run the tests", says what each checks).
WHOLE_TESTS = (
    "architecture",
    "conformance",
    "hardening_",
    "lean_start",
    "private_disk",
    "standalone",
    "version",
    "extension_packages",
    "bench_smoke",
)

MAX_MODULE_LINES = 350
#: A function's lines from `def` to its last line, its docstring not counted (explaining a
#: function should never push it over), decorators not counted.
MAX_FUNCTION_LINES = 60

#: Modules allowed over MAX_MODULE_LINES, each with its reason.
LONG_MODULES = {
    "registration/targets.py": "data tables: every browser's manifest folders and registry "
    "keys, per OS and scope, one row a place",
    "explanations.py": "data tables: every reason and category described, in English and French",
}

#: Functions allowed over MAX_FUNCTION_LINES ("path:name"), each with its reason.
LONG_FUNCTIONS = {}

#: The extension's scripts are held to the same size per file.
MAX_SCRIPT_LINES = 350

#: Scripts allowed over MAX_SCRIPT_LINES (path under extension/), each with its reason.
LONG_SCRIPTS: dict[str, str] = {}


@dataclass(frozen=True)
class Import:
    target: str  # a native_host module's dotted name, or an outside module's
    names: tuple[str, ...]  # what `from target import ...` takes; () for `import target`
    line: int
    type_only: bool


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def dotted(path: Path) -> str:
    parts = ["native_host", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def known() -> frozenset[str]:
    return frozenset(dotted(p) for p in modules())


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(body: list[ast.stmt], type_only: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement below `body`, with whether it runs only for type checkers."""
    for node in body:
        yield node, type_only
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _statements(node.body, True)
            yield from _statements(node.orelse, type_only)
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                nested = [c for c in children if isinstance(c, ast.stmt)]
                for c in children:
                    if isinstance(c, ast.ExceptHandler | ast.match_case):
                        nested.extend(c.body)
                yield from _statements(nested, type_only)


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


@cache
def imports(path: Path) -> tuple[Import, ...]:
    """What `path` imports, native_host modules by their dotted name."""
    found: list[Import] = []
    package = dotted(path) if path.name == "__init__.py" else dotted(path).rpartition(".")[0]
    for node, type_only in _statements(tree(path).body, False):
        if isinstance(node, ast.Import):
            found += [Import(a.name, (), node.lineno, type_only) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = tuple(a.name for a in node.names)
            subs = [n for n in names if f"{target}.{n}" in known()]
            found += [Import(f"{target}.{n}", (), node.lineno, type_only) for n in subs]
            rest = tuple(n for n in names if n not in subs)
            if rest or not subs:
                found.append(Import(target, rest, node.lineno, type_only))
    return tuple(found)


def ours(name: str) -> bool:
    return name == "native_host" or name.startswith("native_host.")


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in modules():
        edges[dotted(path)] = {i.target for i in imports(path) if i.target in known()}
    return edges


def test_no_import_cycle_among_native_host_modules() -> None:
    """No native_host module imports, directly or through others, a module that imports it
    back: each can be read, tested and loaded after the ones it needs."""
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _io_use(path: Path) -> list[str]:
    problems = []
    for i in imports(path):
        if i.type_only or ours(i.target):
            continue
        io = next((m for m in IO_MODULES if i.target == m or i.target.startswith(m + ".")), None)
        if io is None:
            continue
        allowed = [n for n in i.names if any(io == m and n.startswith(p) for m, p in PURE_NAMES)]
        if not i.names or len(allowed) < len(i.names):
            taken = ", ".join(n for n in i.names if n not in allowed)
            what = f"{taken} from {i.target}" if taken else i.target
            problems.append(f"line {i.line}: imports {what}, which does I/O")
    for node in ast.walk(tree(path)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in IO_BUILTINS
        ):
            problems.append(f"line {node.lineno}: calls {node.func.id}()")
    return problems


def _impure_siblings(path: Path) -> list[str]:
    pure = {dotted(PACKAGE / p) for p in PURE}
    problems = []
    for i in imports(path):
        if i.type_only or i.target not in known():
            continue
        parts = i.target.split(".")
        loaded = [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
        problems += [
            f"line {i.line}: imports {m}, which is not pure" for m in loaded if m not in pure
        ]
    return problems


def test_pure_modules_import_no_io_and_only_pure_siblings() -> None:
    """The pure modules (PURE: the reason catalogue, field types, errors, message models,
    the policy and its file's schema, explanations, text escaping, privacy, option values,
    the reports, the registration tables and builders) import no I/O module, call no I/O
    built-in, and import only pure siblings: each runs the same on any machine and is
    tested without a disk, a process or a terminal."""
    missing = sorted(p for p in PURE if not (PACKAGE / p).is_file())
    assert not missing, f"PURE names modules that do not exist: {missing}"
    problems = [
        f"native_host/{p}: {why}"
        for p in sorted(PURE)
        for why in _io_use(PACKAGE / p) + _impure_siblings(PACKAGE / p)
    ]
    assert not problems, "\n".join(problems)


def test_nothing_imports_the_host_or_the_cli_and_only_they_import_their_parts() -> None:
    """native_host.host and native_host.cli are where the pipeline is wired: no module
    imports them (the console scripts, and the launcher browsers run, are their only ways
    in), the request handlers are imported only by host.py and each other, and the
    commands only by cli.py and each other."""
    problems = []
    for path in modules():
        me = dotted(path)
        for i in imports(path):
            if i.target in WIRING:
                problems.append(f"{me} imports {i.target} (line {i.line})")
            for wirer, parts in WIRING.items():
                for part in parts:
                    inside = i.target == part or i.target.startswith(part + ".")
                    mine = me in (wirer, part) or me.startswith(part + ".")
                    if inside and not mine:
                        problems.append(f"{me} imports {i.target}, which only {wirer} wires")
    assert not problems, "\n".join(problems)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert sorted(scripts.values()) == ["native_host.cli:main", "native_host.host:main"]


def _function_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    lines = (node.end_lineno or node.lineno) - node.lineno + 1
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        lines -= (first.end_lineno or first.lineno) - first.lineno + 1
    return lines


def test_no_module_or_function_is_longer_than_one_sitting() -> None:
    """No native_host module is over MAX_MODULE_LINES lines and no function over
    MAX_FUNCTION_LINES (its docstring not counted), except those LONG_MODULES and
    LONG_FUNCTIONS name with a reason; an allowance no longer needed fails too, so the
    lists only shrink."""
    problems = []
    for path in modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        allowed = rel(path) in LONG_MODULES
        if lines > MAX_MODULE_LINES and not allowed:
            problems.append(f"native_host/{rel(path)}: {lines} lines (at most {MAX_MODULE_LINES})")
        if allowed and lines <= MAX_MODULE_LINES:
            problems.append(f"native_host/{rel(path)}: {lines} lines; drop it from LONG_MODULES")
        for node in ast.walk(tree(path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            name, length = f"{rel(path)}:{node.name}", _function_lines(node)
            if length > MAX_FUNCTION_LINES and name not in LONG_FUNCTIONS:
                problems.append(f"native_host/{name}: {length} lines (at most 60)")
            if name in LONG_FUNCTIONS and length <= MAX_FUNCTION_LINES:
                problems.append(f"native_host/{name}: {length} lines; drop it from LONG_FUNCTIONS")
    stale = [m for m in LONG_MODULES if not (PACKAGE / m).is_file()]
    assert not stale, f"LONG_MODULES names modules that do not exist: {stale}"
    assert not problems, "\n".join(problems)


def scripts() -> list[Path]:
    return sorted(p for p in (ROOT / "extension").rglob("*.js") if "node_modules" not in p.parts)


def test_no_extension_script_is_longer_than_one_sitting() -> None:
    """Every script of the extension (background.js, popup.js, modules/*.js) is at most
    MAX_SCRIPT_LINES lines, like the host's modules, except those LONG_SCRIPTS names with a
    reason; an allowance no longer needed fails too."""
    lines = {
        p.relative_to(ROOT / "extension").as_posix(): len(
            p.read_text(encoding="utf-8").splitlines()
        )
        for p in scripts()
    }
    assert lines, "no extension scripts found"
    long = {p: n for p, n in lines.items() if n > MAX_SCRIPT_LINES and p not in LONG_SCRIPTS}
    assert not long, f"extension scripts over {MAX_SCRIPT_LINES} lines: {long}"
    unneeded = [p for p in LONG_SCRIPTS if lines.get(p, 0) <= MAX_SCRIPT_LINES]
    assert not unneeded, f"drop from LONG_SCRIPTS (gone, or short enough now): {unneeded}"


def architecture() -> str:
    """README.md's "Architecture" section, up to the next level-2 heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Architecture\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, 'README.md has no "## Architecture" section followed by another section'
    return match.group(1)


def test_readme_architecture_names_every_module_and_no_other() -> None:
    """README.md's "Architecture" section has a line for every native_host module, as its
    path under native_host/ in backquotes (`store/writes.py`), and names none that is gone:
    a new module without its line fails here."""
    section = architecture()
    named = set(re.findall(r"`([\w/]+\.py)`", section))
    actual = {rel(p) for p in modules()}
    unnamed, gone = sorted(actual - named), sorted(named - actual)
    assert not unnamed, f"modules README.md's Architecture section does not name: {unnamed}"
    assert not gone, f"README.md's Architecture section names modules that are gone: {gone}"


def test_extension_readme_names_every_extension_module() -> None:
    """The Architecture section points to extension/README.md for the extension, and that
    list names every script in extension/modules/."""
    assert "extension/README.md" in architecture()
    listing = (ROOT / "extension" / "README.md").read_text(encoding="utf-8")
    unnamed = [
        p.name
        for p in sorted((ROOT / "extension" / "modules").glob("*.js"))
        if not re.search(rf"\b{re.escape(p.name)}\b", listing)
    ]
    assert not unnamed, f"extension/modules/ scripts extension/README.md does not name: {unnamed}"


def test_each_test_file_is_named_after_the_module_it_tests() -> None:
    """tests/test_<module>.py: the module's path under native_host/ with `_` for `/`
    (store/writes.py: test_store_writes.py), maybe followed by `_<concern>`
    (test_handlers_interrupted_signals.py); or a test of the whole named in WHOLE_TESTS.
    A reader finds a module's tests by its name."""
    names = {"_".join(p.relative_to(PACKAGE).with_suffix("").parts) for p in modules()}
    names = {n.removesuffix("___init__").removesuffix("__init__").strip("_") for n in names}
    stray = [
        t.name
        for t in sorted((ROOT / "tests").glob("test_*.py"))
        if not any(t.stem[5:] == n or t.stem[5:].startswith(f"{n}_") for n in names if n)
        and not t.stem[5:].startswith(WHOLE_TESTS)
    ]
    assert not stray, f"test files named after no module (README.md, Run the tests): {stray}"
