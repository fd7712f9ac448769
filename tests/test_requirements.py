"""The dependency files are what Streamlit Community Cloud needs, and nothing shadows them.

Cloud installs requirements.txt with uv (pip as fallback). PyPI's Linux torch is the CUDA
build, so the file names PyTorch's page of CPU builds of torch as a --find-links page (no
index: uv would take every package that index carries from it) and pins torch.
scripts/cloud_check.sh rehearses both installers on it. Cloud takes the first of uv.lock,
Pipfile, environment.yml, requirements.txt, pyproject.toml that it finds next to the
entrypoint or at the repo root: none of the first three may exist.
"""

from __future__ import annotations

import os
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CPU_TORCH_PAGE = "https://download.pytorch.org/whl/cpu/torch/"
SHADOWING = {"uv.lock", "Pipfile", "Pipfile.lock", "environment.yml", "environment.yaml"}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "artifacts"}


def _lines(name: str) -> list[str]:
    """Non-blank lines of a requirements file, comments stripped."""
    out = []
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _requirements(name: str) -> dict[str, Requirement]:
    reqs = [Requirement(line) for line in _lines(name) if not line.startswith("-")]
    names = [r.name.lower() for r in reqs]
    assert len(names) == len(set(names)), f"{name} names a package twice: {names}"
    return {r.name.lower(): r for r in reqs}


def _pinned_version(req: Requirement) -> str:
    specs = list(req.specifier)
    assert len(specs) == 1 and specs[0].operator == "==", f"{req} is not an exact pin"
    return specs[0].version


def test_torch_cpu_builds_come_from_a_find_links_page_and_no_index():
    options = [line for line in _lines("requirements.txt") if line.startswith("-")]
    # Any index option would make uv look for *every* package there first (or only there).
    assert options == [f"--find-links {CPU_TORCH_PAGE}"], options


def test_torch_is_pinned_to_a_public_version():
    torch_req = _requirements("requirements.txt")["torch"]
    pinned = _pinned_version(torch_req)
    # "+cpu" would break `pip install` on macOS, where the CPU index has no +cpu wheels.
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), pinned


def test_every_app_requirement_is_an_exact_pin():
    reqs = _requirements("requirements.txt")
    assert {"torch", "streamlit", "altair", "pandas", "numpy"} <= set(reqs)
    for req in reqs.values():
        _pinned_version(req)
        assert not req.marker and not req.url, f"{req}: Cloud gets exactly the pin, no markers"


def test_tests_run_against_the_pinned_versions():
    """The environment the tests pass in is the one the pins describe (Cloud's)."""
    for name, req in _requirements("requirements.txt").items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            pytest.fail(f"{name} is not installed: pip install -r requirements-dev.txt")
        assert installed.split("+")[0] == _pinned_version(req), (name, installed)


def test_dev_requirements_include_the_apps_and_do_not_repin_them():
    assert "-r requirements.txt" in _lines("requirements-dev.txt")
    dev = _requirements("requirements-dev.txt")
    for name in dev:
        assert name not in _requirements("requirements.txt"), f"{name} is pinned twice"
        _pinned_version(dev[name])


def test_nothing_shadows_requirements_txt():
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        found += [str(Path(folder, f).relative_to(ROOT)) for f in files if f in SHADOWING]
    assert not found, f"Community Cloud would install from {found} instead of requirements.txt"


def test_entrypoint_and_config_are_where_cloud_reads_them():
    assert (ROOT / "streamlit_app.py").is_file() and (ROOT / "requirements.txt").is_file()
    configs = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("config.toml")
        if p.parent.name == ".streamlit" and not SKIP_DIRS & set(p.relative_to(ROOT).parts)
    ]
    # Cloud reads only the root .streamlit/config.toml; one elsewhere would be ignored there.
    assert configs == [".streamlit/config.toml"], configs


def test_readme_deploy_section_names_the_checks():
    readme = (ROOT / "README.md").read_text()
    assert "## Deploy on Community Cloud" in readme
    section = readme.split("## Deploy on Community Cloud", 1)[1]
    for needle in ("streamlit_app.py", "Advanced settings", "+cpu", "nvidia-", "3.11", "3.12"):
        assert needle in section, needle
