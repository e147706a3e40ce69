"""The Word round trip: edited files read back, mapped to sections and merged into their drafts."""
