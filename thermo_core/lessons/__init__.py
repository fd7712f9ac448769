"""page-specific lesson helpers; import only from the general modules."""
