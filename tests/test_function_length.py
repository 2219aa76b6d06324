"""Every function fits on a screen: at most 80 lines, from its `def` to its last line (docstring included)."""
from __future__ import annotations

import ast
from pathlib import Path

from core.paths import REPO_ROOT

MAX_LINES = 80
FOLDERS = ("core", "dashboard", "pages", "bench")


def long_functions(root: Path, folders=FOLDERS, limit: int = MAX_LINES) -> list[str]:
    """`path:line name (n lines)` of every function or method over `limit` lines in the folders' modules."""
    found = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    n = node.end_lineno - node.lineno + 1
                    if n > limit:
                        found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({n} lines)")
    return found


def test_no_function_is_longer_than_a_screen():
    assert long_functions(REPO_ROOT) == [], f"split these into named steps (at most {MAX_LINES} lines each)"


def test_the_check_finds_a_long_function_and_a_long_method(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES))
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "long.py").write_text(f"def long():\n{body}\n\ndef short():\n    return 1\n")
    (tmp_path / "bench").mkdir()
    method = "".join("    " + line + "\n" for line in f"def run(self):\n{body}".splitlines())
    (tmp_path / "bench" / "cls.py").write_text(f"class Bench:\n{method}")
    assert long_functions(tmp_path, ("core", "bench")) == ["core/long.py:1 long (81 lines)",
                                                            "bench/cls.py:2 run (81 lines)"]
