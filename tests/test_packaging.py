"""thermo_core installs with pip, config.toml sets only options that act, and the tests keep
the working tree clean.

The install test builds the real editable install into a temporary folder (no network, no
change to the running environment) and imports thermo_core from another directory, as a
notebook would after ``pip install -e .``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from conftest import screenshot_dir
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _git_status() -> str | None:
    """The worktree's porcelain status, or None outside a git checkout."""
    if not shutil.which("git") or not (ROOT / ".git").exists():
        return None
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored=no"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout


def test_listed_packages_are_every_package_of_thermo_core():
    found = sorted(
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "thermo_core").rglob("__init__.py")
        if "__pycache__" not in init.parts
    )
    assert sorted(PYPROJECT["tool"]["setuptools"]["packages"]) == found


def _third_party_imports() -> set[str]:
    """Top-level modules thermo_core imports that are neither stdlib nor its own."""
    names = set()
    for path in (ROOT / "thermo_core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "thermo_core"}


def test_runtime_dependencies_are_what_thermo_core_imports_each_declared_once():
    declared = [Requirement(d).name.lower() for d in PYPROJECT["project"]["dependencies"]]
    assert len(declared) == len(set(declared)), declared
    providers = packages_distributions()
    imported = {providers[m][0].lower() for m in _third_party_imports()}
    assert set(declared) == imported


def test_app_pins_satisfy_the_declared_ranges():
    pins = {}
    for raw in (ROOT / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            pins[req.name.lower()] = next(iter(req.specifier)).version
    for dep in PYPROJECT["project"]["dependencies"]:
        req = Requirement(dep)
        assert req.name.lower() in pins, f"{req.name} is not pinned in requirements.txt"
        assert req.specifier.contains(pins[req.name.lower()]), (dep, pins[req.name.lower()])


def test_pip_install_editable_imports_thermo_core_from_another_directory(tmp_path):
    before = _git_status()
    target, elsewhere = tmp_path / "site", tmp_path / "notebook"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         "--no-build-isolation", "--target", str(target), "-e", str(ROOT)],
        cwd=elsewhere, env=env, check=True, capture_output=True, text=True,
    )
    probe = (
        "import importlib.util, site, sys\n"
        f"site.addsitedir({str(target)!r})\n"
        "import thermo_core as tc\n"
        "t_u, t_c = tc.load_readings()\n"
        "print(tc.__file__)\n"
        "print(len(t_u))\n"
        "print(importlib.util.find_spec('ui') is None)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=elsewhere, env=env,
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert Path(out[0]) == ROOT / "thermo_core" / "__init__.py"
    assert out[1] == "11"
    assert out[2] == "True", "the install exposes the app's ui package, not only thermo_core"
    assert _git_status() == before, "the install left files in the working tree"


def test_screenshots_go_to_an_ignored_folder_unless_asked():
    default = screenshot_dir({})
    assert ROOT in default.parents and not default.is_relative_to(ROOT / "docs")
    if _git_status() is not None:
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", str(default / "x.png")], cwd=ROOT, check=False
        )
        assert ignored.returncode == 0, f"{default} is not git-ignored"
    assert screenshot_dir({"SCREENSHOT_DIR": "docs/screenshots"}) == ROOT / "docs" / "screenshots"


def _config_options() -> dict[str, object]:
    """Every option .streamlit/config.toml sets, as "section.name", [theme*] left out."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    return {
        f"{section}.{name}": value
        for section, options in config.items()
        if not section.startswith("theme")
        for name, value in options.items()
    }


def test_every_config_option_exists_and_differs_from_streamlits_default():
    from streamlit import config

    template = config._config_options_template
    for key, value in _config_options().items():
        assert key in template, f"{key} is not a Streamlit option: it does nothing"
        assert value != template[key].default_val, f"{key} = {value!r} is the default"


def _commands(text: str) -> list[str]:
    """The non-blank, non-comment lines of a shell script or code block."""
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


def test_ci_runs_the_readme_test_command_then_the_cloud_check():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Test it", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    ci = _commands((ROOT / ".ci" / "run").read_text())
    (test_command,) = _commands(block)
    assert test_command in ci
    assert ci.index(test_command) < ci.index("bash scripts/cloud_check.sh")
