"""The loss-surface page's pieces: controls and presets, chart specs, code panel, words."""
