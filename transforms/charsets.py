"""Character encodings the hub accepts, and a strict check that bytes really are in one.

Accepted: UTF-8, GBK and GB18030. GB2312 is read as GBK (GBK is its superset, and real GB2312
labels routinely carry GBK-only characters). Labels are matched case-insensitively; the aliases
below are the spellings Chinese government systems are seen to send.

`decode_checked` is where a lying label is caught. Besides plain decode failure it applies one
heuristic: bytes labelled GBK or GB18030 that are also valid UTF-8 *and* contain at least one
three- or four-byte UTF-8 sequence are taken to be UTF-8, so the label is a lie. Every CJK
character is a three-byte sequence in UTF-8, while real GBK text almost never forms one (it would
need a lead byte E0-EF followed by two bytes 80-BF). Two-byte UTF-8 sequences alone are not taken
as evidence, because about one common GBK character in five happens to form one.
"""

from __future__ import annotations

from schemas.contract.errors import PermanentError

UTF8 = "utf-8"
GBK = "gbk"
GB18030 = "gb18030"

_ALIASES: dict[str, str] = {
    "utf-8": UTF8,
    "utf8": UTF8,
    "gbk": GBK,
    "cp936": GBK,
    "x-gbk": GBK,
    "gb2312": GBK,
    "gb_2312-80": GBK,
    "euc-cn": GBK,
    "gb18030": GB18030,
}


_DISPLAY = {UTF8: "UTF-8", GBK: "GBK", GB18030: "GB18030"}


class CharsetMismatch(PermanentError):
    """The bytes are not in the encoding they are labelled with; the message says why.

    Permanent for the message: its readers turn it into a :class:`TransformError`.
    """


def canonical_charset(label: str) -> str | None:
    """The Python codec name for an encoding label, or None when the hub does not accept it."""
    return _ALIASES.get(label.strip().strip('"').lower())


def decode_checked(data: bytes, codec: str, label: str) -> str:
    """Decode `data` with `codec`, raising CharsetMismatch when the label (as sent) lies."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        raise CharsetMismatch(
            f"labelled {label}, but byte {e.start} (0x{data[e.start]:02X}) "
            f"cannot be read as {_DISPLAY[codec]}"
        ) from e
    if codec != UTF8 and _looks_like_utf8(data):
        raise CharsetMismatch(f"labelled {label}, but the bytes are UTF-8 text")
    return text


def _looks_like_utf8(data: bytes) -> bool:
    """True when `data` is valid UTF-8 holding at least one 3- or 4-byte sequence."""
    try:
        text = data.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return any(ord(ch) >= 0x800 for ch in text)
