"""The "Finite differences" page's settings, charts, generated text and code panel."""
