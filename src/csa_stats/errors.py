"""The one kind of error that is the user's to fix.

A wrong parameter, an input file that is not what it should be, a policy file in
``data/reference/`` with a mistake: each raises a :class:`UserError` (or a subclass named for the
module that found it), whose message is one line naming the parameter, or the file, column and
row. The command line reports these in that one line with status 2; a :class:`BuildError` (a
notebook or the book failed) in one line with status 1; any other exception is a fault in the
code and is shown as one.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; the message is one line that names it."""


class ParameterError(UserError, ValueError):
    """A run parameter is wrong; the message names it (``parameter period_end: ...``)."""


class BuildError(RuntimeError):
    """A notebook or the book failed; the message names which and why."""
