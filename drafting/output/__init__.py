"""What leaves the pipeline: Word export and side-by-side comparison."""
