"""Overfitting page pieces: its controls and presets, the cached run, chart specs and code panel."""
