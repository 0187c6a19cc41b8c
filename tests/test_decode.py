"""Decoding source bytes: UTF-8 (BOM or not), UTF-16, cp1252 fallback, line ends."""

from __future__ import annotations

import codecs

from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.decode import decode

TEXT = "Café — naïve\tœuvre\nSecond line “quoted”\n"


def test_decode__plain_utf8() -> None:
    decoded = decode(TEXT.encode("utf-8"))
    assert (decoded.text, decoded.encoding, decoded.replaced) == (TEXT, "utf-8", 0)


def test_decode__utf8_bom_is_dropped() -> None:
    decoded = decode(codecs.BOM_UTF8 + TEXT.encode("utf-8"))
    assert decoded.text == TEXT
    assert decoded.encoding == "utf-8-sig"


def test_decode__utf16_with_bom() -> None:
    for codec in ("utf-16-le", "utf-16-be"):
        bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
        decoded = decode(bom + TEXT.encode(codec))
        assert decoded.text == TEXT
        assert decoded.encoding == "utf-16"


def test_decode__utf16_without_bom_from_nul_pattern() -> None:
    for codec in ("utf-16-le", "utf-16-be"):
        decoded = decode(TEXT.encode(codec))
        assert decoded.text == TEXT
        assert decoded.encoding == codec


def test_decode__cp1252_when_no_valid_utf8() -> None:
    text = "Café “smart quotes” – 5€\nnaïve\n"
    decoded = decode(text.encode("cp1252"))
    assert decoded.text == text
    assert decoded.encoding == "cp1252"


def test_decode__few_invalid_bytes_in_utf8_stay_utf8() -> None:
    """Regression: one stray Latin-1 byte in a UTF-8 file turned every ‘é’ into ‘Ã©’ (cp1252)."""
    good = "Crème brûlée, déjà vu, señor, Zürich\n" * 3
    data = good.encode("utf-8") + b"caf\xe9 \xff\xfe end\n"
    decoded = decode(data)
    assert decoded.text.startswith(good)
    assert "Ã" not in decoded.text
    assert decoded.text.endswith("caf\ufffd \ufffd\ufffd end\n")
    assert decoded.replaced == 3
    assert decoded.encoding == "utf-8 (3 invalid bytes replaced)"
    assert decoded.codec == "utf-8"


def test_decode__one_invalid_byte_is_singular() -> None:
    decoded = decode("é".encode() + b"\x80")
    assert decoded.encoding == "utf-8 (1 invalid byte replaced)"


def test_decode__crlf_and_cr_become_lf() -> None:
    decoded = decode(b"a\r\nb\rc\nd")
    assert decoded.text == "a\nb\nc\nd"


def test_decode__binary_is_flagged() -> None:
    decoded = decode(bytes(range(256)) * 4)
    assert decoded.binary
    assert decoded.text == ""


def test_decode__empty_is_utf8() -> None:
    decoded = decode(b"")
    assert (decoded.text, decoded.encoding, decoded.binary) == ("", "utf-8", False)


_TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    max_size=200,
).map(lambda s: s + "\n")


@settings(max_examples=150)
@given(_TEXTS)
def test_decode__utf8_round_trips(text: str) -> None:
    assert decode(text.encode("utf-8")).text == text


@settings(max_examples=150)
@given(_TEXTS)
def test_decode__utf16_bom_round_trips(text: str) -> None:
    assert decode(text.encode("utf-16")).text == text


def test_parse_file__report_names_the_encoding_and_the_damage() -> None:
    from genanki_build.config import Config
    from genanki_build.formats import default_registry
    from genanki_build.parsing import parse_file
    from genanki_build.sources import SourceFile

    data = "über---over\nnaïve---innocent\nfaçade---front\n".encode() + b"caf\xe9---coffee shop\n"
    result, report = parse_file(SourceFile("words.txt", data), Config(), default_registry())
    assert report.encoding == "utf-8 (1 invalid byte replaced)"
    assert report.format == "quizlet-export"
    assert [c.front for c in result.cards] == ["über", "naïve", "façade", "caf\ufffd"]
    latin = "über---over\nnaïve---innocent\n".encode("cp1252")
    assert parse_file(SourceFile("latin.txt", latin), Config(), default_registry())[1].encoding == "cp1252"


def test_decode__random_bytes_are_binary() -> None:
    """Half of all 300-byte random blobs passed the binary test and became cp1252 "cards"."""
    import random

    rng = random.Random(8)
    blobs = [bytes(rng.randrange(256) for _ in range(300)) for _ in range(200)]
    assert sum(decode(b).binary for b in blobs) == 200
    # Text with a stray control character or two (a pasted form feed, an escape) is still text.
    text = (
        b"What is a cell?\tThe unit of life\x0c\nWhat is ATP?\tEnergy\x1b[0m\n"
        + b"What is DNA?\tThe code\n" * 8
    )
    assert not decode(text).binary
