"""Stage 2 support: chunks of the corpus in a vector index plus keyword search, fused into exemplar hits."""
