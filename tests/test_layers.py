"""The stages of ``qa/`` form a one-way stack: each imports only from the stages below it.

    shared records (models, errors, config) < ingest < index < search < answering
        < app | evaluation < cli

Every ``import`` counts, at module level or inside a function (a lazy import bends the stack as
much as an eager one), and so does ``from qa import X`` for anything but ``__version__``: the
facade reaches every stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qa"

# Lowest first. Stages on one level may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("qa.models", "qa.errors", "qa.config"),
    ("qa.ingest",),
    ("qa.index",),
    ("qa.search",),
    ("qa.answering",),
    ("qa.app", "qa.evaluation"),
    ("qa.cli",),
)
SHARED = LAYERS[0]


def stage_of(module: str) -> str | None:
    """The stage a dotted module name belongs to (``qa.search.dates`` -> ``qa.search``)."""
    for level in LAYERS:
        for stage in level:
            if module == stage or module.startswith(stage + "."):
                return stage
    return None


def level_of(stage: str) -> int:
    return next(i for i, level in enumerate(LAYERS) if stage in level)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every import of a ``qa`` module anywhere in the tree."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "qa"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "qa":
                found += [(node.lineno, f"qa.{a.name}") for a in node.names]
            elif node.module.startswith("qa."):
                found.append((node.lineno, node.module))
    return found


def violations(root: Path) -> list[str]:
    """Every import in the package at ``root`` that goes sideways or up the stack."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        if name == "qa":
            continue  # the facade re-exports every stage, lazily
        here = stage_of(name)
        if here is None:
            problems.append(f"{name}: in no stage; add it to LAYERS")
            continue
        for line, target in imported(ast.parse(path.read_text(encoding="utf-8"))):
            if target == "qa.__version__":
                continue
            there = stage_of(target)
            where = f"{name}:{line} imports {target}"
            if there is None:
                problems.append(f"{where} (the facade or no stage)")
            elif there == here or there in SHARED:
                continue
            elif level_of(there) >= level_of(here):
                problems.append(f"{where} ({there} is not below {here})")
    return problems


def test_stages_import_only_from_the_stages_below_them() -> None:
    assert violations(PACKAGE) == []


def test_every_module_of_the_package_is_in_a_stage() -> None:
    names = {module_name(p, PACKAGE) for p in PACKAGE.rglob("*.py")} - {"qa"}
    assert names and all(stage_of(n) for n in names)


def test_the_check_catches_an_import_up_sideways_or_through_the_facade(tmp_path: Path) -> None:
    root = tmp_path / "qa"
    for stage in ("ingest", "search", "app", "evaluation"):
        (root / stage).mkdir(parents=True)
        (root / stage / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "models.py").write_text("")
    (root / "ingest" / "chunks.py").write_text(
        "from qa import __version__\nfrom qa.models import Chunk\n\n"
        "def f():\n    from qa.search.retriever import load\n"
    )
    (root / "app" / "state.py").write_text("import qa.evaluation.runner\nfrom qa import answer\n")
    (root / "evaluation" / "runner.py").write_text("from qa.search import retriever\n")
    (root / "stray.py").write_text("")

    assert violations(root) == [
        "qa.app.state:1 imports qa.evaluation.runner (qa.evaluation is not below qa.app)",
        "qa.app.state:2 imports qa.answer (the facade or no stage)",
        "qa.ingest.chunks:5 imports qa.search.retriever (qa.search is not below qa.ingest)",
        "qa.stray: in no stage; add it to LAYERS",
    ]
