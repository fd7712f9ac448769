"""Every pin in requirements.txt has a wheel for each Python that Community Cloud offers.

Run: python scripts/wheel_check.py [--python 3.11 3.12 3.13] [--dest DIR]

Cloud runs Debian (glibc 2.31 or newer) on x86_64 and lets an app's owner pick Python 3.11
to 3.13, 3.12 by default; an sdist there would have to build, or fail. For each Python:

* every pin but torch: ``pip download --no-deps --only-binary=:all: --python-version V
  --platform manylinux…_x86_64`` (all pins in one call per version, a few tens of MB in
  all, from pip's cache after the first run), so pip's own rules pick the wheel;
* torch: the listing of PyTorch's page of CPU builds (the --find-links page of
  requirements.txt), read without downloading a 200 MB wheel. Where that page cannot be
  reached, a line says what was skipped. PyPI's torch listing is read as well, for the
  README's platform notes (macOS on Apple silicon, Windows; no Intel Mac).

The machine's pip settings are ignored (PIP_CONFIG_FILE=os.devnull, no PIP_* variables), so
a local wheel folder cannot stand in for the real indexes. Exit status 1 if a wheel is
missing, 0 otherwise (skips included, each printed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")
GLIBC_MINOR = 31  # Debian 11, the oldest base Cloud's docs name
MANYLINUX = [f"manylinux_2_{m}_x86_64" for m in range(GLIBC_MINOR, 16, -1)] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64",
]
PYPI_TORCH = "https://pypi.org/simple/torch/"
# PyPI's torch platforms the README's notes rely on (a wheel must exist) ...
TORCH_ELSEWHERE = {
    "macOS 14+ on Apple silicon": list(tags.mac_platforms((14, 0), "arm64")),
    "Windows x86_64": ["win_amd64"],
}
# ... and those it says have none (printed, not enforced).
TORCH_NOWHERE = {
    "macOS 13 on Apple silicon": list(tags.mac_platforms((13, 0), "arm64")),
    "Intel Mac": list(tags.mac_platforms((15, 0), "x86_64")),
}


def clean_env() -> dict[str, str]:
    """This environment without the machine's pip settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def requirements(path: Path) -> tuple[dict[str, Version], str | None]:
    """The exact pins of a requirements file and its --find-links page, if any."""
    pins, page = {}, None
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("--find-links"):
            page = line.split(None, 1)[1]
        elif line and not line.startswith("-"):
            req = Requirement(line)
            pins[req.name.lower()] = Version(next(iter(req.specifier)).version)
    return pins, page


def target_tags(python: str, platforms: list[str]) -> set[tags.Tag]:
    """Every wheel tag CPython ``python`` accepts on ``platforms``."""
    version = tuple(int(p) for p in python.split("."))
    return set(tags.cpython_tags(version, platforms=platforms)) | set(
        tags.compatible_tags(version, f"cp{version[0]}{version[1]}", platforms)
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.files.append(unquote(href.split("#", 1)[0].rsplit("/", 1)[-1]))


def listing(url: str, timeout: float = 15) -> list[str] | None:
    """File names on a PEP 503 page (HTML) or PyPI's JSON listing; None if unreachable."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            body = resp.read().decode()
            kind = resp.headers.get("Content-Type", "")
    except OSError:
        return None
    if "json" in kind:
        return [f["filename"] for f in json.loads(body)["files"]]
    parser = _Links()
    parser.feed(body)
    return parser.files


def wheels_for(files: list[str], version: Version, accepted: set[tags.Tag]) -> list[str]:
    """The wheels among ``files`` of exactly ``version`` (local label allowed) that fit."""
    out = []
    for name in files:
        if not name.endswith(".whl"):
            continue
        _, found, _, wheel_tags = parse_wheel_filename(name)
        if Version(found.public) == version and wheel_tags & accepted:
            out.append(name)
    return out


def check_pip_pins(pins: dict[str, Version], pythons: list[str], dest: Path) -> list[str]:
    """pip downloads each non-torch pin's wheel per Python; returns the failures."""
    failures = []
    specs = [f"{name}=={version}" for name, version in pins.items() if name != "torch"]
    for python in pythons:
        folder = dest / python
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
               "--only-binary=:all:", "--implementation", "cp", "--python-version", python,
               "-d", str(folder)]
        for platform in MANYLINUX:
            cmd += ["--platform", platform]
        done = subprocess.run(cmd + specs, env=clean_env(), capture_output=True, text=True)
        if done.returncode:
            failures.append(f"Python {python}: pip found no wheel:\n{done.stderr.strip()}")
            continue
        names = sorted(p.name for p in folder.glob("*.whl"))
        for spec in specs:
            name = spec.split("==")[0]
            picked = [n for n in names if re.match(rf"{name.replace('-', '_')}-", n, re.I)]
            print(f"  {python}  {spec:22} {picked[0] if picked else '?'}")
    return failures


def check_torch(pin: Version, page: str | None, pythons: list[str]) -> list[str]:
    """torch's CPU wheel on the find-links page per Python, and PyPI's other platforms."""
    failures = []
    spec = f"torch=={pin}"
    cpu = listing(page) if page else None
    if page and cpu is None:
        print(f"  SKIPPED torch {pin}+cpu on {page}: cannot reach it from here, so its "
              f"wheels for Python {', '.join(pythons)} were not checked")
    pypi = listing(PYPI_TORCH)
    if pypi is None:
        print(f"  SKIPPED torch on {PYPI_TORCH}: cannot reach it from here")
    for python in pythons:
        if cpu is not None:
            found = [n for n in wheels_for(cpu, pin, target_tags(python, MANYLINUX))
                     if "+cpu" in n]
            if found:
                print(f"  {python}  {spec:22} {found[0]}  ({page})")
            else:
                failures.append(f"Python {python}: no torch {pin}+cpu manylinux x86_64 wheel")
        if pypi is not None:
            for label, platforms in TORCH_ELSEWHERE.items():
                found = wheels_for(pypi, pin, target_tags(python, platforms))
                if found:
                    print(f"  {python}  {spec:22} {found[0]}  (PyPI, {label})")
                else:
                    failures.append(f"Python {python}: PyPI has no torch {pin} for {label}")
            for label, platforms in TORCH_NOWHERE.items():
                found = wheels_for(pypi, pin, target_tags(python, platforms))
                print(f"  {python}  {spec:22} {found[0] if found else 'no wheel'}  (PyPI, {label})")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", nargs="+", default=list(PYTHONS))
    parser.add_argument("--dest", type=Path, help="download folder (default: a temp folder)")
    parser.add_argument("--requirements", type=Path, default=ROOT / "requirements.txt")
    args = parser.parse_args()
    pins, page = requirements(args.requirements)
    print(f"== wheel check: Python {', '.join(args.python)}, manylinux x86_64 "
          f"(glibc 2.{GLIBC_MINOR}+), machine pip settings ignored")
    with tempfile.TemporaryDirectory(prefix="wheel-check-") as tmp:
        failures = check_pip_pins(pins, args.python, args.dest or Path(tmp))
    failures += check_torch(pins["torch"], page, args.python)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
