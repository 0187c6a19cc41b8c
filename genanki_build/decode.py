"""Turn a source file's bytes into text, and say which encoding was used.

UTF-8 (with or without BOM), UTF-16 (with a BOM, or detected from its NUL pattern), and a cp1252
fallback. Line ends are normalized to ``\\n``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded file."""

    text: str
    """The text, with ``\\n`` line ends."""
    encoding: str
    """The codec actually used, e.g. ``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``cp1252``."""
    binary: bool = False
    """True when the bytes do not look like text at all."""


def _looks_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NULs sit in every other byte, else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return b"\x00" in sample or controls > len(sample) * 0.1


def decode(data: bytes) -> Decoded:
    """Decode ``data``; never raises."""
    if data.startswith(codecs.BOM_UTF8):
        text, enc = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, enc = data.decode("utf-16", errors="replace"), "utf-16"
    elif (utf16 := _looks_utf16(data)) is not None:
        text, enc = data.decode(utf16, errors="replace"), utf16
    elif _binary(data):
        return Decoded("", "binary", binary=True)
    else:
        try:
            text, enc = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, enc = data.decode("cp1252", errors="replace"), "cp1252"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Decoded(text, enc)
