"""Reading CSV text in whatever encoding a provider's export was saved in, and refusing what cannot be read."""

import codecs
import os
import re
import struct
import zlib

import pytest

from analytics.encodings import EncodingRefused, decode_text_file, readable_file_name

TEXT = "Date,Team,Comment\r\n2024-01-05,Café North,“Lovely” staff – £5, it’s fine\r\n2024-01-06,Ward B,ok\r\n"
ACCENTED = "Date,Team,Comment\n2024-01-05,Café North,café £5 it’s “fine” résumé\n"
FAR_DOWN = "Date,Comment\n" + "2024-01-05,plain\n" * 20_000 + "2024-01-06,£5 café\n"  # past the first sample


@pytest.mark.parametrize("text, encode, encoding", [
    (TEXT, lambda t: t.encode("utf-8"), "UTF-8"),
    ("Date,Team\n2024-01-05,North\n", lambda t: t.encode("ascii"), "UTF-8"),
    ("", lambda t: b"", "UTF-8"),
    (TEXT, lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "UTF-8 with BOM"),
    (ACCENTED, lambda t: t.encode("cp1252"), "Windows-1252"),
    ("Date,Team\n2024-01-05,Café\n", lambda t: t.encode("cp1252"), "Windows-1252"),
    ("Date,Comment\n2024-01-05,it’s fine\n", lambda t: t.encode("cp1252"), "Windows-1252"),
    (FAR_DOWN, lambda t: t.encode("cp1252"), "Windows-1252"),
    (TEXT, lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "UTF-16"),
    (TEXT, lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "UTF-16"),
    (TEXT, lambda t: t.encode("utf-16-le"), "UTF-16"),
    (TEXT, lambda t: t.encode("utf-16-be"), "UTF-16"),
    (TEXT, lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"), "UTF-32"),
    (TEXT, lambda t: codecs.BOM_UTF32_BE + t.encode("utf-32-be"), "UTF-32"),
    (TEXT, lambda t: t.encode("utf-32-le"), "UTF-32"),
], ids=["utf-8", "ascii", "empty", "utf-8 bom", "cp1252", "cp1252 one é", "cp1252 curly quote",
        "cp1252 accent far down", "utf-16 le bom", "utf-16 be bom", "utf-16 le", "utf-16 be", "utf-32 le bom",
        "utf-32 be bom", "utf-32 le no bom"])
def test_text_is_read_as_utf8_and_its_encoding_named(text, encode, encoding):
    converted, read_as = decode_text_file(encode(text), "export.csv")
    assert (converted.decode("utf-8"), read_as) == (text, encoding)
    assert not converted.startswith(codecs.BOM_UTF8)


def test_plain_utf8_is_handed_back_without_a_copy():
    data = TEXT.encode("utf-8")
    assert decode_text_file(data, "export.csv")[0] is data


def _mixed(line_end: str, bad_line: int = 4) -> bytes:
    lines = [f"2024-01-0{i},Café {i},fine" for i in range(1, 7)]
    encoded = [line.encode("cp1252" if i == bad_line else "utf-8") for i, line in enumerate(lines, start=1)]
    return line_end.encode().join(encoded) + line_end.encode()


@pytest.mark.parametrize("data, start", [
    (_mixed("\n"), 'visits.csv: line 4, character 15, has the byte 0xE9, which is "é" in the older Windows-1252 '
                   'encoding, but line 1 has "é" saved as UTF-8.'),
    (_mixed("\r\n"), 'visits.csv: line 4, character 15, has the byte 0xE9'),
    (_mixed("\r"), 'visits.csv: line 4, character 15, has the byte 0xE9'),
    (_mixed("\n", bad_line=1), 'visits.csv: line 1, character 15, has the byte 0xE9, which is "é" in the older '
                               'Windows-1252 encoding, but line 2 has "é" saved as UTF-8.'),
    ("a,b\nc,’\n".encode("cp1252") + "d,’\n".encode("utf-8"),
     'visits.csv: line 2, character 3, has the byte 0x92, which is "’" in the older Windows-1252 encoding, but '
     'line 3 has "’" saved as UTF-8.'),
    (codecs.BOM_UTF8 + "Date,Comment\n2024-01-05,fine\nx,Café\n".encode("cp1252"),
     'visits.csv: the file is marked as UTF-8 text, but line 3, character 6, has the byte 0xE9'),
], ids=["lf", "crlf", "cr", "utf-8 only after the bad line", "curly quote", "utf-8 bom"])
def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_the_first_bad_line(data, start):
    with pytest.raises(EncodingRefused) as refused:
        decode_text_file(data, "visits.csv")
    message = str(refused.value)
    assert message.startswith(start)
    assert "The file mixes two text encodings" in message and '"CSV UTF-8 (Comma delimited)"' in message


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7])
def test_big_files_read_a_chunk_at_a_time_give_the_same_answers(monkeypatch, chunk):
    monkeypatch.setattr("analytics.encodings._CHUNK", chunk)
    for data, text, encoding in [(ACCENTED.encode("cp1252"), ACCENTED, "Windows-1252"),
                                 (TEXT.encode("utf-16-le"), TEXT, "UTF-16"),
                                 (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), TEXT, "UTF-32")]:
        converted, read_as = decode_text_file(data, "export.csv")
        assert (converted.decode("utf-8"), read_as) == (text, encoding)
    for utf8 in ("é", "’", "😀"):  # sequences of two, three and four bytes, split across chunks
        data = "a,b\nx,caf".encode() + b"\xe9\n" + f"y,{utf8}\n".encode()
        expected = f'line 2, character 6, has the byte 0xE9, .* but line 3 has "{utf8}" saved as UTF-8'
        with pytest.raises(EncodingRefused, match=expected):
            decode_text_file(data, "export.csv")


def _png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))


@pytest.mark.parametrize("data, kind", [
    (b"PK\x03\x04\x14\x00\x06\x00" + os.urandom(2000), "Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), "older Excel workbook (.xls)"),
    (_png(), "PNG image"),
    (bytes(range(256)) * 40, "binary file"),
], ids=["zip", "xls", "png", "binary"])
def test_a_file_that_is_not_text_is_refused(data, kind):
    expected = f"report.csv: this is not a text \\(CSV\\) file: it looks like .*{re.escape(kind)}"
    with pytest.raises(EncodingRefused, match=expected):
        decode_text_file(data, "report.csv")


def test_a_byte_outside_the_detected_encoding_is_refused_naming_its_line():
    data = "Date,Comment\n2024-01-05,café ’\n".encode("cp1252") + b"x\n" * 70_000 + b"2024-01-06,\x81\n"
    with pytest.raises(EncodingRefused, match=r"read as Windows-1252 text, but line 70003 has the byte 0x81"):
        decode_text_file(data, "export.csv")


def test_a_damaged_utf16_file_is_refused_naming_its_line():
    data = codecs.BOM_UTF16_LE + "Date\r\nfine\r\n".encode("utf-16-le") + b"\x00\xd8" + "x\r\n".encode("utf-16-le")
    with pytest.raises(EncodingRefused, match=r"read as UTF-16 text, but line 3 has a character that is not valid"):
        decode_text_file(data, "export.csv")


@pytest.mark.parametrize("name, shown", [
    ("visits.csv", "visits.csv"),
    ("café visits.csv", "café visits.csv"),
    (b"caf\xe9 visits.csv".decode("utf-8", "surrogateescape"), "caf\ufffd visits.csv"),
    (b"caf\xe9 visits.csv", "caf\ufffd visits.csv"),
    ("caf\u00e9.csv".encode("utf-8"), "café.csv"),
    ("lone \ud800 surrogate.csv", "lone \ufffd surrogate.csv"),
    ("line\nbreak.csv", "line\ufffdbreak.csv"),
], ids=["ascii", "utf-8", "surrogate escapes", "bytes", "utf-8 bytes", "lone surrogate", "control character"])
def test_file_names_that_are_not_utf8_become_printable(name, shown):
    readable = readable_file_name(name)
    assert readable == shown
    readable.encode("utf-8")


def test_a_refusal_names_an_undecodable_file_name_readably():
    name = b"caf\xe9.csv".decode("utf-8", "surrogateescape")
    with pytest.raises(EncodingRefused) as refused:
        decode_text_file(_png(), name)
    assert str(refused.value).startswith("caf\ufffd.csv: this is not a text")
