"""Where the browser tests find Chromium: the system's first, else Playwright's own download.

``python tests/chromium.py`` prints the path and exits 0, or prints nothing and exits 1;
scripts/test.sh uses it to decide whether the browser tests can run, and tests/conftest.py
launches the same browser. Playwright's copy is the one ``python -m playwright install
chromium`` downloads (macOS, or Linux without root).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SYSTEM_PATHS = ("/usr/bin/chromium",)  # Debian's package
SYSTEM_NAMES = ("chromium", "chromium-browser")  # on PATH: Homebrew, other distributions


def system_chromium() -> str | None:
    """A Chromium installed by the system's package manager, if any."""
    for path in SYSTEM_PATHS:
        if os.access(path, os.X_OK):
            return path
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_chromium() -> str | None:
    """The Chromium Playwright downloaded for itself, if the package is there and it did."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as pw:
        path = pw.chromium.executable_path
    return path if Path(path).exists() else None


def find_chromium() -> str | None:
    """The Chromium the browser tests drive: the system's when there is one."""
    return system_chromium() or playwright_chromium()


if __name__ == "__main__":
    found = find_chromium()
    if found:
        print(found)
    sys.exit(0 if found else 1)
