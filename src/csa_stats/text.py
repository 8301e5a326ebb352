"""Text that comes from an input, made safe to put in a page.

Anything an input supplies (a crime type, a file name, an indicator's source) is shown as text and
never read as markup: not as HTML, nor as Markdown or MyST (links, emphasis, roles, inline code,
substitutions, colon fences). CommonMark lets a backslash escape any ASCII punctuation, and MyST
follows it, so every punctuation character is escaped; control characters and line breaks, which
could start a new block or a directive option, become spaces.
"""

from __future__ import annotations

import re
import string

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_PUNCTUATION = frozenset(string.punctuation)


def one_line(value: object) -> str:
    """The value as one line of text: control characters and line breaks become single spaces.

    Examples
    --------
    >>> one_line("Vehicle\\ncrime\\t ")
    'Vehicle crime'
    """
    return _CONTROL.sub(" ", str(value)).strip()


def md_text(value: object) -> str:
    """The value as Markdown that shows exactly its text: every ASCII punctuation character
    backslash-escaped, control characters and line breaks as spaces.

    Examples
    --------
    >>> md_text("<b>x</b>")
    '\\\\<b\\\\>x\\\\<\\\\/b\\\\>'
    >>> md_text("Anti-social behaviour")
    'Anti\\\\-social behaviour'
    """
    return "".join(f"\\{c}" if c in _PUNCTUATION else c for c in one_line(value))


def option_text(value: object) -> str:
    """The value for a directive option (a figure's alt text): one line, quotes as apostrophes.

    Docutils escapes an option's value for HTML itself, so only what could end the option (a line
    break) or the attribute (a double quote) is changed.
    """
    return " ".join(one_line(value).split()).replace('"', "'")
