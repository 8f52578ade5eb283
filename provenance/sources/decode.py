"""Bytes to text: byte-order marks, UTF-8, legacy encodings, binary detection.

Newlines are kept exactly as they are in the file, so character offsets index
the text as decoded (CRLF stays CRLF).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# control characters other than tab, newline, carriage return, form feed
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can trust."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:100_000]
    return len(_CONTROL.findall(sample)) / len(sample)


def _legacy(data: bytes) -> str | None:
    """The legacy encoding of non-UTF-8 bytes, or None.

    Text that is mostly ASCII with a few accented letters or curly quotes is
    what Western newsrooms' Windows-1252 systems write; every single-byte code
    page decodes it, and on short texts charset-normalizer cannot tell them
    apart, so Windows-1252 wins when it decodes the bytes and at least 70% of
    the letters are ASCII.  Anything else is left to charset-normalizer.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text:
        letters = [ch for ch in text if ch.isalpha()]
        if letters and sum(ch.isascii() for ch in letters) >= 0.7 * len(letters):
            return "cp1252"
    best = from_bytes(data[:1_000_000]).best()
    return best.encoding if best is not None else None


def decode(data: bytes) -> Decoded:
    """Decode file bytes; raise ``DecodeError`` with the reason when they are not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"undecodable: invalid {encoding} after its byte-order mark (byte {exc.start})") from exc
            return Decoded(text.lstrip("\ufeff"), encoding)
    if b"\x00" in data:
        raise DecodeError("binary: contains NUL bytes")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        legacy = _legacy(data)
        if legacy is None:
            raise DecodeError(f"undecodable: not UTF-8 (byte {exc.start}) and no legacy encoding fits") from exc
        encoding = legacy
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc2:
            raise DecodeError(f"undecodable: not UTF-8 (byte {exc.start}), nor {encoding}") from exc2
    if _control_share(text) > 0.01:
        raise DecodeError(f"binary: control characters in the text (decoded as {encoding})")
    return Decoded(text, encoding)
