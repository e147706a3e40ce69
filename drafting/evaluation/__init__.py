"""`drafting eval`: a measured report card for a model endpoint, next to the offline engine.

cases → runner (the real drafting pipeline, per system) → metrics (fact guard, status guard, length,
tone, timing, tokens) → report (JSON, Markdown, a blind-review pack).
"""
