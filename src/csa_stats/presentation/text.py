"""Text that comes from an input, made safe to put in a page.

Anything an input supplies (a crime type, a file name, an indicator's source) is shown as text and
never read as markup: not as HTML, nor as Markdown or MyST (links, emphasis, roles, inline code,
substitutions, colon fences). CommonMark lets a backslash escape any ASCII punctuation, and MyST
follows it: the characters that are markup anywhere are escaped wherever they stand, those that are
markup only at the start of a line (a list, a heading, a comment) at the start; control characters
and line breaks, which could start a new block or a directive option, become spaces.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
#: Characters that are markup wherever they stand: HTML, entities, emphasis, code, roles and
#: substitutions, links, table cells, maths, the escape itself.
_ANYWHERE = re.compile(r"([\\`*_{}\[\]<>#|~$&])")
#: What is markup only at the start of a line: a list item, a heading, a comment, a fence, an
#: ordered list ("1." or "1)").
_AT_START = re.compile(r"^([-+=%:!.])|^(\d+)([.)])")


def one_line(value: object) -> str:
    """The value as one line of text: control characters and line breaks become single spaces.

    Examples
    --------
    >>> one_line("Vehicle\\ncrime\\t ")
    'Vehicle crime'
    """
    return _CONTROL.sub(" ", str(value)).strip()


def md_text(value: object) -> str:
    """The value as Markdown that shows exactly its text: each character that could be read as
    markup backslash-escaped, control characters and line breaks as spaces.

    Examples
    --------
    >>> print(md_text("<b>x</b> [a](b) `c`"))
    \\<b\\>x\\</b\\> \\[a\\](b) \\`c\\`
    >>> print(md_text("Anti-social behaviour, 5.2%"))
    Anti-social behaviour, 5.2%
    >>> print(md_text("1. item"))
    1\\. item
    """
    text = _ANYWHERE.sub(r"\\\1", one_line(value))
    return _AT_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)


def option_text(value: object) -> str:
    """The value for a directive option (a figure's alt text): one line, quotes as apostrophes.

    Docutils escapes an option's value for HTML itself, so only what could end the option (a line
    break) or the attribute (a double quote) is changed.
    """
    return " ".join(one_line(value).split()).replace('"', "'")
