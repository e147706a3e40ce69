"""Errors that carry a message meant for the user, in Chinese.

The CLI and the app show `str(error)` as is; anything else is a bug and is reported generically.
"""


class UserError(Exception):
    """A problem with the user's input or setup, explained in plain Chinese."""


class JobStopped(UserError):
    """The whole generation must stop now (quota spent, account disabled): never one section's failure."""


class NothingWritten(UserError):
    """Every section of a new draft failed (a wrong key or address, say): the draft is not kept."""
