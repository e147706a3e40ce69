"""The prompt templates, shipped as package data (loaded by drafting.writing.prompts)."""
