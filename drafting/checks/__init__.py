"""Checks run on a finished draft: proofreading (proof.py), and later the fact and tone guards."""
