"""Turn a source file's bytes into text, and say which encoding was used.

- UTF-8, with or without a byte-order mark.
- UTF-16 with a BOM, or without one when NULs sit in every other byte (mostly-Latin text).
- UTF-8 with a few damaged bytes stays UTF-8: the bad bytes become U+FFFD and the reported encoding
  says how many, e.g. ``utf-8 (3 invalid bytes replaced)``. One bad byte in a long file must not
  turn every accented letter of the rest into mojibake.
- Text with non-ASCII bytes but (almost) no valid UTF-8 sequence is Windows-1252 (a superset of
  the printable part of Latin-1).

Line ends (CRLF, CR) are normalized to ``\\n``; a leading BOM character is dropped.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded file."""

    text: str
    """The text, with ``\\n`` line ends."""
    encoding: str
    """What the report shows: the codec used, plus a note when bytes were replaced, e.g. ``utf-8``,
    ``utf-8-sig``, ``utf-16-le``, ``cp1252``, ``utf-8 (3 invalid bytes replaced)``."""
    binary: bool = False
    """True when the bytes do not look like text at all."""
    codec: str = ""
    """The bare Python codec name used (``encoding`` without any note); empty for binary data."""
    replaced: int = 0
    """How many bytes could not be decoded and became U+FFFD."""


#: One well-formed multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]"
    rb"|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}"
    rb"|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ASCII_RUN = re.compile(rb"[\x00-\x7f]+")
#: Bytes Windows-1252 leaves undefined.
_CP1252_HOLES = b"\x81\x8d\x8f\x90\x9d"
#: Control bytes other than tab, line feed, vertical tab, form feed and carriage return.
_CONTROLS = bytes(range(9)) + bytes(range(14, 32))


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
    # Counted by deleting them (bytes.translate runs in C; a loop over 8 KiB per file does not).
    controls = len(sample) - len(sample.translate(None, _CONTROLS))
    # Compressed or machine data has a NUL in every few hundred bytes; a text file with a stray
    # NUL or two (a bad copy) is still text, and the NULs are dropped (see decode).
    nuls = sample.count(0)
    # Random or compressed bytes hold a control character (not a tab or line break) in every ten;
    # text, even a damaged copy, in almost none.
    return nuls > max(2, len(sample) // 1000) or controls > max(2, len(sample) // 100)


def _utf8_damage(data: bytes) -> tuple[int, int]:
    """(valid multi-byte sequences, bytes that belong to no valid sequence)."""
    valid = len(_UTF8_MULTI.findall(data))
    leftover = _ASCII_RUN.sub(b"", _UTF8_MULTI.sub(b"", data))
    return valid, len(leftover)


def _noted(codec: str, replaced: int, what: str) -> str:
    if not replaced:
        return codec
    plural = "byte" if replaced == 1 else "bytes"
    return f"{codec} ({replaced} {what} {plural} replaced)"


def _decode_utf8(data: bytes, codec: str) -> Decoded:
    """UTF-8 (``codec`` is ``utf-8`` or ``utf-8-sig``), tolerating a few damaged bytes."""
    try:
        return Decoded(data.decode(codec), codec, codec=codec)
    except UnicodeDecodeError:
        pass
    valid, invalid = _utf8_damage(data)
    # A BOM says UTF-8 outright; otherwise damage must be rarer than well-formed sequences.
    if codec == "utf-8-sig" or (valid and valid >= invalid):
        text = data.decode(codec, errors="replace")
        return Decoded(text, _noted(codec, invalid, "invalid"), codec=codec, replaced=invalid)
    holes = len(data) - len(data.translate(None, _CP1252_HOLES))
    text = data.decode("cp1252", errors="replace")
    return Decoded(text, _noted("cp1252", holes, "undefined"), codec="cp1252", replaced=holes)


def _decode_utf16(data: bytes, codec: str) -> Decoded:
    text = data.decode(codec, errors="replace")
    try:
        data.decode(codec)
        bad = 0
    except UnicodeDecodeError:
        bad = max(1, text.count("\ufffd"))
    return Decoded(text, _noted(codec, bad, "invalid"), codec=codec, replaced=bad)


def _normalize(decoded: Decoded) -> Decoded:
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return Decoded(text, decoded.encoding, decoded.binary, decoded.codec, decoded.replaced)


def decode(data: bytes) -> Decoded:
    """Decode ``data``; never raises."""
    if data.startswith(codecs.BOM_UTF8):
        return _normalize(_decode_utf8(data, "utf-8-sig"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _normalize(_decode_utf16(data, "utf-16"))
    if (utf16 := _looks_utf16(data)) is not None:
        return _normalize(_decode_utf16(data, utf16))
    if _binary(data):
        return Decoded("", "binary", binary=True)
    nuls = data.count(0)
    if not nuls:
        return _normalize(_decode_utf8(data, "utf-8"))
    decoded = _normalize(_decode_utf8(data.replace(b"\x00", b""), "utf-8"))
    note = f"{nuls} NUL {'byte' if nuls == 1 else 'bytes'} removed"
    encoding = f"{decoded.encoding[:-1]}; {note})" if decoded.replaced else f"{decoded.encoding} ({note})"
    return replace(decoded, encoding=encoding, replaced=decoded.replaced + nuls)
