"""The bundled example reports, shipped as package data (loaded by drafting.corpus.reports)."""
