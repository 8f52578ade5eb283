"""Names and metadata made safe to show.

A file name, a collection's record id or a page's title is as hostile as
the article text, and it lands in places the text does not: an XML
attribute of the report, the terminal, a JSON key a reader greps for.  What
may not go there as it is becomes a visible escape (``\\x1b``, ``\\u202e``):

- C0 and C1 control characters and DEL: they drive terminals (``ESC [2J``
  clears the screen), and XML cannot hold most of them (``\\x1b``, ``\\u0085``);
- bytes of a file name that are not UTF-8 (Python reads them as lone
  surrogates, which no UTF-8 file can hold): shown as the byte, ``\\xe9``
  (``\\x`` is a byte or an ASCII control, ``\\u`` a character);
- the noncharacters U+FFFE and U+FFFF, which XML forbids;
- the bidirectional embedding, override and isolate controls, which make a
  name read as another (``invoice\\u202etxt.exe``).

``name`` also doubles a backslash, as ``ls -b`` does, so that two different
names never become one; ``field`` (titles, sites, dates, reasons) turns the
whitespace controls into a space and leaves backslashes alone.
"""

from __future__ import annotations

import re

__all__ = ["field", "name", "terminal"]

_BEYOND_C0 = "\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069"
_UNSAFE = "\x00-\x1f" + _BEYOND_C0
_NAME = re.compile(f"[\\\\{_UNSAFE}]")
_FIELD = re.compile(f"[{_UNSAFE}]")
_TERMINAL = re.compile(f"[\x00-\x08\x0b-\x1f{_BEYOND_C0}]")  # tab and newline kept
_SPACES = "\t\n\r\x0b\x0c"


def _escape(c: str) -> str:
    o = ord(c)
    if c == "\\":
        return "\\\\"
    if 0xDC80 <= o <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o < 0x80 else f"\\u{o:04x}"  # a \\x escape at 0x80 or above is a byte


def name(text: str) -> str:
    """A file name, path or id as it may be shown; different names stay different."""
    return _NAME.sub(lambda m: _escape(m.group()), text)


def field(text: str) -> str:
    """A title, site, date, author, URL or message as it may be shown."""
    return _FIELD.sub(lambda m: " " if m.group() in _SPACES else _escape(m.group()), text)


def terminal(text: str) -> str:
    """Article text for the terminal: lines and tabs kept, every other control escaped."""
    return _TERMINAL.sub(lambda m: _escape(m.group()), text)
