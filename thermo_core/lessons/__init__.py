"""Page-specific maths: one module per page stem, importing only thermo_core's general modules."""
