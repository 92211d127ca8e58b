"""The house rules of the layout (docs/architecture.md), checked on the source rather than trusted.

analysis/ is grouped by what flows through it, and imports only point down that path: a subpackage may
import the foundation modules, its own modules and the subpackages before it, never one after it. The
spine modules at the top (pipeline, build, distributed, intake, cli, bench) tie the stages together and may import
any of them; nothing inside a stage imports the spine. analysis/ never imports Streamlit or ui/; ui/
never imports pages/.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYSIS = ROOT / "analysis"

# the data's path, in order: a stage may import only the stages at or before its own rank
FOUNDATION = {"analysis.schema", "analysis.paths", "analysis.imports"}
STAGES = ["read", "text", "judge", "store", "insight", "access", "query", "report"]
SPINE = {"analysis.pipeline", "analysis.build", "analysis.distributed", "analysis.intake", "analysis.edits",
         "analysis.cli", "analysis.bench", "analysis.__main__", "analysis"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module named by an import statement, lazy imports inside functions included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _rank(module: str) -> int | None:
    """Foundation is 0, the stages 1..n in path order, the spine above them all; None outside."""
    if module in FOUNDATION:
        return 0
    if module in SPINE:
        return len(STAGES) + 1
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "analysis" and parts[1] in STAGES:
        return STAGES.index(parts[1]) + 1
    return None


def _known(module: str) -> bool:
    """Whether an imported name is a module of ours (``from analysis.read import ingest``) rather
    than a name inside one (``from analysis.schema import THEMES``)."""
    rel = Path(*module.split("."))
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


ANALYSIS_FILES = sorted(ANALYSIS.rglob("*.py"))


def test_every_analysis_module_has_a_place_on_the_path():
    homeless = [_module_name(p) for p in ANALYSIS_FILES if _rank(_module_name(p)) is None]
    assert homeless == []


@pytest.mark.parametrize("path", ANALYSIS_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_the_path(path):
    me = _module_name(path)
    my_rank = _rank(me)
    upward = sorted(
        m for m in _imports(path)
        if m.startswith("analysis") and _known(m) and (_rank(m) or 0) > my_rank
    )
    assert upward == [], f"{me} imports {upward}, which come later on the data's path"


@pytest.mark.parametrize("path", ANALYSIS_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_analysis_imports_neither_streamlit_nor_the_ui(path):
    bad = sorted(m for m in _imports(path) if m.split(".")[0] in {"streamlit", "ui", "pages", "app"})
    assert bad == []


def test_ui_never_imports_pages():
    bad = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.split(".")[0] in {"pages", "app"})
           for p in (ROOT / "ui").rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_every_subpackage_says_what_enters_and_what_leaves():
    for stage in STAGES:
        init = ANALYSIS / stage / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "In:" in doc and "Out:" in doc, f"{init} docstring must say In: … Out: …"


def test_the_check_catches_an_upward_import(tmp_path):
    """The rule is not vacuous: a stage importing a later one is caught."""
    assert _rank("analysis.read.ingest") < _rank("analysis.query.documents")
    fake = ANALYSIS / "read" / "ingest.py"
    assert all(not m.startswith("analysis.query") for m in _imports(fake))
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from analysis.query import documents\n", encoding="utf-8")
    assert "analysis.query.documents" in _imports(probe)
