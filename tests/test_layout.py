"""The code's map holds: every module listed in the README, imports flowing one way, no circle, small files.

These read the source with `ast`; they do not import it.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from core.paths import REPO_ROOT

CORE = REPO_ROOT / "core"
# Lower packages never import higher ones (a package may import its own modules).
LAYERS = ["errors", "paths", "files", "ink", "synth", "data", "ctc", "models", "train", "movement", "evaluation",
          "cli", "__main__"]
# Imports allowed inside a function: optional or heavy dependencies, each with a comment saying why.
LATE_IMPORTS = {"ray", "streamlit_drawable_canvas", "sklearn.metrics", "pandas"}


def modules() -> dict[str, Path]:
    """Every module of core/ by dotted name (packages' __init__ as the package)."""
    out = {}
    for f in sorted(CORE.rglob("*.py")):
        parts = f.relative_to(REPO_ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return out


def imports_of(path: Path) -> list[tuple[str, ast.AST, bool]]:
    """(module imported, node, inside a function) for every import of `core` modules and others."""
    tree = ast.parse(path.read_text())
    inner = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            out += [(a.name, n, id(n) in inner) for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module:
            known = modules()
            for a in n.names:  # `from core.models import reader` imports the module core.models.reader
                full = f"{n.module}.{a.name}"
                out.append((full if full in known else n.module, n, id(n) in inner))
    return out


def core_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m, _, _ in imports_of(path) if m in known and m != name} for name, path in known.items()}


def test_core_holds_only_packages_besides_init_main_paths_and_errors():
    top = sorted(p.name for p in CORE.iterdir() if p.suffix == ".py")
    assert top == ["__init__.py", "__main__.py", "errors.py", "paths.py"]
    for pkg in (p for p in CORE.iterdir() if p.is_dir() and p.name != "__pycache__"):
        if any(pkg.glob("*.py")):
            assert (pkg / "__init__.py").exists() and ast.get_docstring(ast.parse((pkg / "__init__.py").read_text()))


def test_every_module_is_on_the_readme_map():
    text = (REPO_ROOT / "README.md").read_text()
    layout = text[text.index("## Layout"):]
    listed = set(re.findall(r"`(core/[\w/]+\.py)`", layout))
    on_disk = {str(p.relative_to(REPO_ROOT)) for p in CORE.rglob("*.py") if p.name != "__init__.py"}
    assert on_disk - listed == set(), "modules missing from the README's Layout section"
    assert listed - on_disk == set(), "the README's Layout section lists modules that do not exist"


def test_no_import_circle():
    graph = core_graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_imports_flow_down_the_layers():
    def layer(name: str) -> int:
        parts = name.split(".")
        return LAYERS.index(parts[1]) if len(parts) > 1 else -1

    upward = [(a, b) for a, targets in core_graph().items() for b in targets
              if layer(a) >= 0 and layer(b) > layer(a)]
    assert upward == []


def test_the_dashboard_pages_and_benches_never_use_the_command_line_as_a_library():
    # core/cli/ parses arguments and prints; what a page or a bench needs lives below it (core.evaluation, ...).
    files = [f for folder in ("dashboard", "pages", "bench") for f in sorted((REPO_ROOT / folder).rglob("*.py"))]
    assert files
    uses_cli = [f"{f.relative_to(REPO_ROOT)}:{node.lineno} {module}" for f in files
                for module, node, _ in imports_of(f) if module == "core.cli" or module.startswith("core.cli.")]
    assert uses_cli == []


def test_modules_are_small_enough_to_read_in_one_sitting():
    long = {str(p.relative_to(REPO_ROOT)): n for p in CORE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_pages_are_thin_widgets_one_call_and_drawing():
    # A page reads its widgets, calls core or a dashboard module, and draws: at most 150 lines each.
    thick = {p.name: n for p in (REPO_ROOT / "pages").glob("*.py") if (n := len(p.read_text().splitlines())) > 150}
    assert thick == {}, "move what does the work into dashboard/ or core/"


def test_imports_inside_functions_are_only_optional_or_heavy_ones_and_say_why():
    late = []
    for f in [*CORE.rglob("*.py"), *(REPO_ROOT / "dashboard").glob("*.py"), *(REPO_ROOT / "pages").glob("*.py")]:
        lines = f.read_text().splitlines()
        for module, node, inner in imports_of(f):
            if not inner:
                continue
            said_why = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#")
            if module not in LATE_IMPORTS or not said_why:
                late.append(f"{f.relative_to(REPO_ROOT)}:{node.lineno} {module}")
    assert late == []


def test_folders_are_found_through_core_paths_only():
    counted = [str(f.relative_to(REPO_ROOT)) for f in [*CORE.rglob("*.py"), *(REPO_ROOT / "dashboard").glob("*.py"),
                                                        *(REPO_ROOT / "pages").glob("*.py")]
               if "parents[" in f.read_text() and f != CORE / "paths.py"]
    assert counted == []


def test_core_never_imports_streamlit_and_pages_name_the_blank():
    for name, path in modules().items():
        assert not any(m.split(".")[0] == "streamlit" for m, _, _ in imports_of(path)), name
    for page in (REPO_ROOT / "pages").glob("*.py"):
        assert "alphabet[1:]" not in page.read_text(), f"{page.name}: use core.data.alphabets.letters_of"
