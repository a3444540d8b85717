"""Encodings a batch file may be in, and the checks that catch a wrong declaration early.

Accepted: UTF-8 (with or without a byte-order mark), GBK and GB18030, under the labels
:mod:`transforms.charsets` accepts (GB2312 is read as GBK) plus ``utf-8-sig``. A CSV's encoding
cannot be seen in the file, so it is configured; two checks turn a wrong setting into one clear
problem for the whole file instead of a garbled import or a reject per row:

- a UTF-8 byte-order mark in a file declared GBK or GB18030;
- the :mod:`transforms.charsets` heuristic on the file's first block: bytes declared GBK or
  GB18030 that are valid UTF-8 holding a three- or four-byte sequence are UTF-8 text (every CJK
  character is one in UTF-8; real GBK text almost never forms one).
"""

from __future__ import annotations

from transforms.charsets import GB18030, GBK, UTF8, canonical_charset

UTF8_BOM = b"\xef\xbb\xbf"
_DISPLAY = {UTF8: "UTF-8", GBK: "GBK", GB18030: "GB18030"}


def codec_for(label: str) -> str:
    """The Python codec for an encoding label; ValueError naming the accepted ones if none."""
    if label.strip().lower() in ("utf-8-sig", "utf_8_sig"):
        return UTF8
    codec = canonical_charset(label)
    if codec is None:
        raise ValueError(f"encoding {label!r} is not accepted; use UTF-8, GBK or GB18030")
    return codec


def display(codec: str) -> str:
    """The usual spelling of a codec (``GBK``), for messages and content types."""
    return _DISPLAY.get(codec, codec)


def utf8_in_disguise(sample: bytes) -> bool:
    """True when ``sample`` is valid UTF-8 holding a character above U+07FF (see module doc).

    ``sample`` may end inside a character (a block read from a file): an incomplete sequence
    of up to three bytes at its end is ignored.
    """
    for cut in range(4):
        try:
            text = sample[: len(sample) - cut].decode(UTF8)
        except UnicodeDecodeError as e:
            if e.reason != "unexpected end of data" or cut == 3:
                return False
            continue
        return any(ord(ch) >= 0x800 for ch in text)
    return False
