"""The architecture's rules, read from the source: thermo_core never imports Streamlit,
lesson modules build only on the general modules and the general modules never on them,
pages and core never seed globally, and process setup lives in ui/server.py alone."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

CORE = ROOT / "thermo_core"
GENERAL = {p.stem for p in CORE.glob("*.py")} - {"__init__"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import in a file: level 0 absolute, 1 = '.', 2 = '..'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(0, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
            if node.module is None:
                found += [(node.level, a.name) for a in node.names]
    return found


def test_thermo_core_never_imports_streamlit():
    for path in CORE.rglob("*.py"):
        for _, module in _imports(path):
            assert not module.startswith("streamlit"), path


def test_lesson_modules_import_only_general_modules():
    lessons = CORE / "lessons"
    for path in lessons.glob("*.py"):
        for level, module in _imports(path):
            if level == 0:
                assert not module.startswith(("thermo_core", "ui", "pages")), (path.name, module)
            elif level == 1:
                assert module == "", f"{path.name} imports another lesson: {module}"
            else:
                assert module.split(".")[0] in GENERAL, f"{path.name} imports {module}"


def test_general_modules_never_import_the_lessons():
    for path in CORE.glob("*.py"):
        for level, module in _imports(path):
            name = module if level == 0 else f"thermo_core.{module}"
            assert not name.startswith("thermo_core.lessons"), (path.name, module)


def test_no_global_seeding_in_app_code():
    """torch.manual_seed would reseed every session at once; a Generator's own seed is fine."""
    for folder in ("pages", "ui", "thermo_core"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    target = node.func.value
                    is_torch = isinstance(target, ast.Name) and target.id == "torch"
                    assert not (is_torch and node.func.attr == "manual_seed"), path


SERVER_POLICY = {("gc", "freeze"), ("sys", "setswitchinterval"),
                 ("torch", "set_num_interop_threads")}
"""Process-wide settings a server chooses once (ui/server.py says what each buys). The
intra-op thread count is left out: ``thermo_core.models.single_thread`` lowers it for the
length of one training and puts it back, which is the training's business."""


def test_process_setup_lives_in_ui_server_alone():
    """thermo_core is maths: no server policy; the app sets the process up in one module."""
    for folder in ("pages", "ui", "thermo_core"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "ui" / "server.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    assert (node.value.id, node.attr) not in SERVER_POLICY, (path, node.attr)
    callers = [path.relative_to(ROOT).as_posix()
               for folder in ("pages", "ui") for path in (ROOT / folder).rglob("*.py")
               if "server.start(" in path.read_text()]
    assert callers == ["ui/page.py"]  # every page's first call, so no run skips the setup

_BOOK_MAKERS = {"load_readings", "book", "BOOK_T_U", "BOOK_T_C"}
"""What builds the book's readings. Only thermo_core/readings.py defines them, and in the app
only ui/readings.py (the one place that picks the readings in use) reaches for them."""


def _book_makers(path: Path) -> set[str]:
    """``tc.book``, ``tc.load_readings`` …, and those names imported from thermo_core."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("tc", "thermo_core", "readings_core") and node.attr in _BOOK_MAKERS:
                found.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and "readings" in (node.module or "") + "thermo_core":
            found |= {a.name for a in node.names} & _BOOK_MAKERS
        elif isinstance(node, ast.Name) and node.id in ("BOOK_T_U", "BOOK_T_C"):
            found.add(node.id)
    return found


def test_only_the_readings_modules_build_the_books_readings():
    allowed = {CORE / "readings.py", CORE / "__init__.py", ROOT / "ui" / "readings.py"}
    for folder in ("pages", "ui", "thermo_core"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in allowed:
                continue
            used = _book_makers(path)
            assert not used, f"{path.relative_to(ROOT)} builds the book's readings itself: {used}"
            assert "35.7" not in path.read_text(), f"{path.relative_to(ROOT)} types in the book's t_u"
