"""Shared text utilities: simplified/traditional script, word segmentation and vocabulary, safe display."""
