"""Autograd page pieces: its controls and presets, the graph's DOT and the loss chart, code panel."""
