"""The browser tests find Chromium where a newcomer's machine has it (tests/chromium.py)."""

from __future__ import annotations

import chromium


def _file(path, mode: int):
    path.write_text("#!/bin/sh\n")
    path.chmod(mode)
    return str(path)


def test_system_chromium_must_be_executable(tmp_path, monkeypatch):
    plain, runnable = _file(tmp_path / "plain", 0o644), _file(tmp_path / "runnable", 0o755)
    monkeypatch.setattr(chromium, "SYSTEM_NAMES", ())
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", (plain, runnable))
    assert chromium.system_chromium() == runnable


def test_chromium_on_the_path_counts_as_the_systems(tmp_path, monkeypatch):
    _file(tmp_path / "chromium-browser", 0o755)
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium.system_chromium() == str(tmp_path / "chromium-browser")


def test_playwrights_own_chromium_only_without_a_systems(tmp_path, monkeypatch):
    own = _file(tmp_path / "playwright-chrome", 0o755)
    monkeypatch.setattr(chromium, "playwright_chromium", lambda: own)
    monkeypatch.setattr(chromium, "system_chromium", lambda: "/usr/bin/chromium")
    assert chromium.find_chromium() == "/usr/bin/chromium"
    monkeypatch.setattr(chromium, "system_chromium", lambda: None)
    assert chromium.find_chromium() == own
