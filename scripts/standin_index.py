"""Build a local PEP 503 simple index that plays PyTorch's CPU index for scripts/cloud_check.sh.

Run: python scripts/standin_index.py find 2.13.0       (prints the local torch wheel's path)
     python scripts/standin_index.py build DIR WHEEL...

``build`` writes DIR/simple/<project>/index.html, with sha256 hashes, for the given wheels:
cloud_check passes the CPU build ``torch-X+cpu`` for the running Python and a numpy that is
not the pinned one, as the real index carries numpy releases of its own. DIR/simple/torch/
then stands for https://download.pytorch.org/whl/cpu/torch/. Served over http from
127.0.0.1, it lets uv and pip install requirements.txt as Cloud does, with the page's URL
swapped, on a machine that cannot reach download.pytorch.org.

``find`` looks for this machine's own copy of the torch wheel (about 190 MB, never
downloaded here): the path in CLOUD_CHECK_TORCH_WHEEL, else the first match in the folders
the machine's pip settings name as --find-links (PIP_FIND_LINKS, pip config); run it
before those settings are cleared. Exit status 2 if there is none.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

from packaging.utils import canonicalize_name, parse_wheel_filename


def find_links_folders() -> list[Path]:
    """Local folders the machine's pip settings add as --find-links."""
    values = os.environ.get("PIP_FIND_LINKS", "").split()
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        if key.endswith("find-links"):
            values += value.strip("'\"").split()
    folders = []
    for value in values:
        path = Path(urlparse(value).path) if value.startswith("file:") else Path(value)
        if path.is_dir() and path not in folders:
            folders.append(path)
    return folders


def local_torch_wheel(version: str) -> Path | None:
    """This machine's torch ``version``+cpu wheel for the running Python on Linux x86_64."""
    named = os.environ.get("CLOUD_CHECK_TORCH_WHEEL")
    if named:
        return Path(named)
    abi = f"cp{sys.version_info.major}{sys.version_info.minor}"
    pattern = re.compile(
        rf"torch-{re.escape(version)}\+cpu-{abi}-{abi}-(many)?linux\w*_x86_64\.whl"
    )
    for folder in find_links_folders():
        for path in sorted(folder.iterdir()):
            if pattern.fullmatch(path.name):
                return path
    return None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(root: Path, wheels: list[Path]) -> None:
    """Link ``wheels`` into root/files and write the simple index pages for them."""
    files = root / "files"
    files.mkdir(parents=True, exist_ok=True)
    projects: dict[str, list[Path]] = {}
    for wheel in wheels:
        link = files / wheel.name
        if not link.exists():
            link.symlink_to(wheel.resolve())
        projects.setdefault(canonicalize_name(parse_wheel_filename(wheel.name)[0]), []).append(
            wheel
        )
    for project, found in projects.items():
        page = root / "simple" / project
        page.mkdir(parents=True, exist_ok=True)
        anchors = "\n".join(
            f'<a href="../../files/{quote(w.name)}#sha256={sha256(w)}">{html.escape(w.name)}</a>'
            for w in found
        )
        (page / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{anchors}\n</body></html>\n")
    anchors = "\n".join(f'<a href="{p}/">{p}</a>' for p in sorted(projects))
    (root / "simple" / "index.html").write_text(
        f"<!DOCTYPE html>\n<html><body>\n{anchors}\n</body></html>\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    find = commands.add_parser("find", help="print the local torch VERSION+cpu wheel's path")
    find.add_argument("version")
    make = commands.add_parser("build", help="write the simple index for these wheels")
    make.add_argument("root", type=Path)
    make.add_argument("wheels", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "build":
        build(args.root, args.wheels)
        print(f"stand-in CPU index at {args.root}/simple: "
              + ", ".join(w.name for w in args.wheels))
        return 0
    torch = local_torch_wheel(args.version)
    if torch is None or not torch.is_file():
        print(f"no local torch {args.version}+cpu wheel for this Python (looked in "
              f"{[str(f) for f in find_links_folders()]}); set CLOUD_CHECK_TORCH_WHEEL",
              file=sys.stderr)
        return 2
    print(torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
