"""Which text encoding an uploaded CSV was saved in, and its text as UTF-8 for DuckDB.

Providers' exports arrive as UTF-8 (with or without a BOM), as Excel's "CSV (Comma delimited)" in
Windows-1252, now and then as UTF-16 ("Unicode text"), and sometimes as a file pasted together from
two of these. Plain UTF-8 costs one strict decode; only other files pay for detection.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from charset_normalizer.constant import IANA_SUPPORTED
from charset_normalizer.utils import is_multi_byte_encoding

_BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an older Excel workbook (.xls) or another Office file"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)
# Control bytes that text never holds; Ctrl-Z (0x1A) is left out because old DOS exports end with it.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1A), *range(0x1B, 0x20)])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_UTF8_CHARACTER = re.compile("[\u0080-\ud7ff\ue000-\U0010ffff]")  # not ASCII, not an escaped stray byte
# The detector stops at the first clean reading, and on a short sample that can be a Chinese or Japanese one.
_SINGLE_BYTE = [codec for codec in IANA_SUPPORTED if not is_multi_byte_encoding(codec)]
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_HEAD = 8 * 1024  # enough to recognise a binary file or UTF-16 without a BOM
_SAMPLE = 64 * 1024  # what the detector sees: its guess does not improve with more, its cost does
_CHUNK = 16 * 1024 * 1024  # scans and conversions of big files go a chunk at a time, to bound memory
_SAVE_AS_UTF8 = ('open it in Excel (or the system it came from), choose Save As, pick "CSV UTF-8 (Comma delimited)" '
                 "and upload the new file")


class EncodingRefused(ValueError):
    """A CSV whose text cannot be read reliably; the message says what was found and how to fix it."""


def decode_text_file(data: bytes, file_name: str) -> tuple[bytes, str]:
    """The file's text as UTF-8 without a BOM, and the name of the encoding it was read as.

    Plain UTF-8 comes back as the very same bytes object, so a caller can still read the file from disk."""
    name = readable_file_name(file_name)
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            if codec == "utf-8":
                return _utf8_or_refuse(data[len(bom):], name, offset=len(bom))[0], label
            return _converted(data, codec, len(bom), name, label), label
    head = data[:_HEAD]
    wide = _unmarked_wide_encoding(head)
    if wide is not None:
        codec, label = wide
        return _converted(data, codec, 0, name, label), label
    _refuse_if_binary(head, name)
    return _utf8_or_refuse(data, name, offset=0)


def readable_file_name(name: str | bytes) -> str:
    """A file name that can be stored in the database and shown: bytes that are not UTF-8 (and control
    characters) become U+FFFD.

    Python hands a name that is not UTF-8 over as a str holding surrogate escapes, which cannot be
    encoded to UTF-8 at all, so it would fail when stored or shown."""
    if isinstance(name, str):
        if name.isascii() and name.isprintable():
            return name
        try:
            name = name.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
            return _UNPRINTABLE.sub("\ufffd", name)
    return _UNPRINTABLE.sub("\ufffd", name.decode("utf-8", "replace"))


def _utf8_or_refuse(data: bytes, name: str, offset: int) -> tuple[bytes, str]:
    """`data` if it is UTF-8; otherwise converted from the single-byte encoding detected, unless the file
    also holds UTF-8, when it is refused. `offset` is where `data` starts in the file (after a BOM)."""
    first_bad = _first_invalid_utf8(data)
    if first_bad is None:
        return data, "UTF-8"
    utf8_at = None if offset else _first_utf8_sequence(data)
    if offset or utf8_at is not None:
        raise EncodingRefused(_mixed_message(data, first_bad, utf8_at, name))
    codec = _detected_single_byte_codec(_detection_sample(data, first_bad), name)
    label = _encoding_label(codec)
    return _converted(data, codec, 0, name, label), label


def _first_invalid_utf8(data: bytes) -> int | None:
    """Where the first byte that is not UTF-8 is, or None when the whole of `data` is UTF-8.

    Plain ASCII (most exports) is UTF-8 and is known so without decoding anything; other text is decoded a chunk
    at a time, so a large file is never held as one Python string beside its bytes."""
    if data.isascii():
        return None
    view, at = memoryview(data), 0
    while at < len(data):
        end = min(at + max(_CHUNK, 4), len(data))  # 4 bytes hold any one character, so each chunk reads one
        try:
            # A character cut at the chunk's end is left unread (not consumed) and read with the next chunk.
            _, consumed = codecs.utf_8_decode(view[at:end], "strict", end == len(data))
        except UnicodeDecodeError as error:
            return at + error.start
        at += consumed
    return None


def _first_utf8_sequence(data: bytes) -> int | None:
    """Where the first well-formed multi-byte UTF-8 sequence starts, if there is one.

    Decoding with surrogate escapes turns each stray byte into one character (U+DC80 to U+DCFF) and each
    UTF-8 sequence of two to four bytes into one other non-ASCII character, so the chunk's text comes out
    shorter than its bytes exactly when it holds one. That runs in C at decoding speed; a regular
    expression for the sequences takes ten times as long on a big Windows-1252 file."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    view = memoryview(data)
    for at in range(0, len(data), _CHUNK):
        chunk, pending = view[at:at + _CHUNK], len(decoder.getstate()[0])
        text = decoder.decode(chunk, final=at + _CHUNK >= len(data))
        if len(text) < pending + len(chunk) - len(decoder.getstate()[0]):
            found = _UTF8_CHARACTER.search(text)
            assert found is not None
            return at - pending + len(text[:found.start()].encode("utf-8", "surrogateescape"))
    return None


def _mixed_message(data: bytes, first_bad: int, utf8_at: int | None, name: str) -> str:
    """Names the first line that is not UTF-8 and, when the file has no BOM, the first line that is."""
    line, column = _position(data, first_bad)
    bad = data[first_bad:first_bad + 1]
    try:
        found = f'the byte 0x{bad.hex().upper()}, which is "{bad.decode("cp1252")}" in the older Windows-1252 encoding'
    except UnicodeDecodeError:
        found = f"the byte 0x{bad.hex().upper()}, which is not a character in UTF-8"
    if utf8_at is None:
        what = f"{name}: the file is marked as UTF-8 text, but line {line}, character {column}, has {found}"
    else:
        letter = data[utf8_at:utf8_at + 4].decode("utf-8", "surrogateescape")[0]
        what = (f"{name}: line {line}, character {column}, has {found}, but line {_position(data, utf8_at)[0]} "
                f'has "{letter}" saved as UTF-8')
    return (f"{what}. The file mixes two text encodings, usually because rows were pasted in from another file, "
            f"so its accented letters and symbols would come out wrong. To fix it, export it again from the "
            f'spreadsheet or system it came from, choosing "CSV UTF-8 (Comma delimited)" in Excel\'s Save As; or '
            f"open it in a text editor such as Notepad, retype the letters that look wrong and save it with the "
            f"encoding UTF-8.")


def _position(data: bytes, at: int) -> tuple[int, int]:
    """The 1-based line and character of byte `at`, as a text editor counts them: CRLF, LF and a lone CR
    each end a line."""
    crlf = data.count(b"\r\n", 0, at)
    line = data.count(b"\n", 0, at) + data.count(b"\r", 0, at) - crlf + 1
    line_start = max(data.rfind(b"\n", 0, at), data.rfind(b"\r", 0, at)) + 1
    return line, len(data[line_start:at].decode("utf-8", "replace")) + 1


def _detection_sample(data: bytes, first_bad: int) -> bytes:
    """The start of the file, plus the lines around the first byte that is not UTF-8 when that is further
    down: the detector needs to see the letters that tell encodings apart."""
    sample = data[:_SAMPLE]
    if first_bad >= _SAMPLE:
        line_start = data.rfind(b"\n", 0, first_bad) + 1
        sample += b"\n" + data[line_start:line_start + _SAMPLE]
    return sample


def _detected_single_byte_codec(sample: bytes, name: str) -> str:
    """The single-byte encoding that reads the sample best, Windows-1252 among equals.

    Short English text reads equally cleanly in several code pages, and the detector then leans on a weak
    language guess (Polish for "Café £5"); Windows-1252 is what Excel writes on English Windows, so it wins
    any tie on how clean the text reads."""
    matches = list(from_bytes(sample, cp_isolation=_SINGLE_BYTE))
    if not matches:
        best = from_bytes(sample).best()
        if best is None:
            raise EncodingRefused(f"{name}: this does not look like a text (CSV) file, or its text encoding "
                                  f"cannot be recognised. If it is a spreadsheet, {_SAVE_AS_UTF8}.")
        raise EncodingRefused(f"{name}: the file seems to be saved in the {_encoding_label(best.encoding)} "
                              f"encoding, which this service does not read. To fix it, {_SAVE_AS_UTF8}.")
    cleanest = min(m.chaos for m in matches)
    if any("cp1252" in m.could_be_from_charset for m in matches if m.chaos <= cleanest):
        return "cp1252"
    return matches[0].encoding


def _converted(data: bytes, codec: str, start: int, name: str, label: str) -> bytes:
    """`data[start:]` read as `codec` and written as UTF-8, a chunk at a time; a byte that is not a character
    in `codec` refuses the file, naming its line."""
    view = memoryview(data)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    parts = []
    for at in range(start, len(data), _CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            parts.append(decoder.decode(view[at:at + _CHUNK], final=at + _CHUNK >= len(data)).encode("utf-8"))
        except UnicodeDecodeError as error:
            bad = at - pending + error.start
            if codec.startswith(("utf-16", "utf-32")):
                width = 2 if codec.startswith("utf-16") else 4
                before = str(view[start:bad - (bad - start) % width], codec)
                line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
                where = f"line {line} has a character that"
            else:
                where = f"line {_position(data, bad)[0]} has the byte 0x{data[bad]:02X}, which"
            raise EncodingRefused(f"{name}: the file was read as {label} text, but {where} is not valid in that "
                                  f"encoding, so the file is damaged or mixes encodings. To fix it, "
                                  f"{_SAVE_AS_UTF8}.") from None
    text = b"".join(parts)
    return text[3:] if text.startswith(codecs.BOM_UTF8) else text


def _unmarked_wide_encoding(head: bytes) -> tuple[str, str] | None:
    """UTF-16 or UTF-32 without a BOM, told by its NUL bytes: in a CSV most characters are ASCII, whose
    high bytes are NUL, so NULs fill the high positions of each code unit and are absent from the low."""
    for width, label in ((4, "UTF-32"), (2, "UTF-16")):
        units = len(head) // width
        if units < 2:
            continue
        nul_share = [head[i:units * width:width].count(0) / units for i in range(width)]
        if nul_share[0] < 0.1 and min(nul_share[1:]) > 0.6:
            return f"{label.lower()}-le", label
        if nul_share[-1] < 0.1 and min(nul_share[:-1]) > 0.6:
            return f"{label.lower()}-be", label
    return None


def _refuse_if_binary(head: bytes, name: str) -> None:
    kind = next((kind for signature, kind in _SIGNATURES if head.startswith(signature)), None)
    if kind is None and len(head.translate(None, _NOT_CONTROL)) > max(1, len(head) // 100):
        kind = "a program, image or other binary file"
    if kind is not None:
        raise EncodingRefused(f"{name}: this is not a text (CSV) file: it looks like {kind}. If it is a "
                              f"spreadsheet, upload it with its own ending (such as .xlsx), or {_SAVE_AS_UTF8}.")


def _encoding_label(codec: str) -> str:
    """A Python codec name as people know it: cp1252 -> Windows-1252, iso8859_15 -> ISO-8859-15."""
    codec = codecs.lookup(codec).name
    known = {"latin-1": "Latin-1 (ISO-8859-1)", "iso8859-1": "Latin-1 (ISO-8859-1)", "mac-roman": "Mac Roman",
             "shift_jis": "Shift JIS", "gb18030": "GB18030", "big5": "Big5"}
    if codec in known:
        return known[codec]
    if re.fullmatch(r"cp125\d", codec):
        return f"Windows-{codec[2:]}"
    if codec.startswith("iso8859-"):
        return f"ISO-8859-{codec[8:]}"
    if re.fullmatch(r"cp\d+", codec):
        return f"DOS code page {codec[2:]}"
    return codec.upper()
