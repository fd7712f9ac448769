"""The architecture's rules, read from the source: thermo_core never imports Streamlit,
lesson modules build only on the general modules and the general modules never on them,
pages and core never seed globally, process setup lives in ui/server.py alone, and README's
layout names every module."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

CORE = ROOT / "thermo_core"
GENERAL = {p.stem for p in CORE.glob("*.py")} - {"__init__"}
LAID_OUT = ("thermo_core", "ui", "pages", "scripts", "benchmarks")
"""The folders whose every module README's layout section names."""


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


def test_app_code_builds_chart_data_without_streamlits_internals():
    """streamlit.dataframe_util is not public API: a Streamlit release may rename it, so Arrow
    bytes come from pyarrow (ui.vega.arrow_bytes)."""
    for folder in ("pages", "ui", "thermo_core"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = [getattr(node, "module", None) or "", *(a.name for a in node.names)]
                    assert "dataframe_util" not in names, (path, names)


def test_ui_packages_keep_their_code_in_named_modules():
    """A package's __init__ holds its docstring only: code there is found by no file name."""
    for path in (ROOT / "ui").glob("*/__init__.py"):
        body = ast.parse(path.read_text()).body
        assert all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body), path


def test_pages_draw_named_control_groups_not_slices():
    """``controls.draw(MAIN[3:5])`` silently draws the wrong controls once one is added; a
    page draws the groups its settings module names."""
    for path in (ROOT / "pages").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "draw":
                for arg in node.args:
                    sliced = isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Slice)
                    assert not sliced, f"{path.name}:{node.lineno}: {ast.unparse(arg)}"


def test_pages_end_in_a_short_tail_of_sections():
    """From ``page.start`` on, a page's module level only calls its sections: the layout and
    the prose live in ``_section_…()`` functions, one per header, so the tail reads as the
    page's table of contents."""
    for path in (ROOT / "pages").glob("*.py"):
        body = ast.parse(path.read_text()).body
        starts = [i for i, node in enumerate(body) if "page.start(" in ast.unparse(node)]
        assert len(starts) == 1, path.name
        tail = body[starts[0]:]
        assert len(tail) <= 12, f"{path.name}: a tail of {len(tail)} statements"
        for node in tail:
            assert not isinstance(node, ast.With | ast.For | ast.While), \
                f"{path.name}:{node.lineno}: layout belongs in a _section_…() function"
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                    owner = call.func.value
                    assert not (isinstance(owner, ast.Name) and owner.id == "st"), \
                        f"{path.name}:{call.lineno}: st.{call.func.attr} in the tail"


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


def _layout_paths() -> list[str]:
    """The paths README's layout section names: the first column of each unindented line of
    its code block, several separated by ", "."""
    section = (ROOT / "README.md").read_text().split("\n## Layout\n", 1)[1].split("\n#", 1)[0]
    block = section.split("```\n", 2)[1]
    lines = [line for line in block.splitlines() if line and not line[0].isspace()]
    return [path for line in lines for path in line.split("  ", 1)[0].split(", ")]


def _expanded(path: str) -> set[str]:
    """``path`` with ``<stem>`` replaced by each page's stem (the path itself if it has none)."""
    from ui.catalog import PAGES

    return {path.replace("<stem>", p.stem) for p in PAGES} if "<stem>" in path else {path}


def test_readme_layout_names_every_module_and_only_what_exists():
    named = _layout_paths()
    for path in named:
        found = [p for p in _expanded(path) if (ROOT / p).is_dir() == p.endswith("/")
                 and (ROOT / p).exists()]
        assert found, f"README's layout names {path}, which is not in the tree"
    names = set().union(*(_expanded(p) for p in named))
    modules = sorted(str(p.relative_to(ROOT)) for folder in LAID_OUT
                     for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)
    missing = [m for m in modules if m not in names]
    assert not missing, f"README's layout section does not name {missing}"
