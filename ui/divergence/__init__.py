"""Divergence page pieces: its controls and presets, chart specs and code panel."""
