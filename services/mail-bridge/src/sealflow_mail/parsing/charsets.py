"""Lenient byte-to-text decoding for the charsets real Chinese and Western mail declares (or mislabels)."""

from __future__ import annotations

# Labels that Python either does not know or decodes too strictly for real-world mail.
# GB2312 and GBK labelled mail routinely contains characters outside those sets, and GB18030 is a
# superset of both, so every simplified-Chinese label is decoded as GB18030.
_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "gb18030": "gb18030",
    "x-big5": "big5",
    "cn-big5": "big5",
    "csbig5": "big5",
    "big5-hkscs": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
}

# Further codecs worth a strict attempt before giving up on a label; Big5 mail often carries HKSCS
# or Microsoft (cp950) extension characters that plain big5 rejects.
_RETRY: dict[str, tuple[str, ...]] = {
    "big5": ("big5hkscs", "cp950"),
    "cp950": ("big5hkscs",),
}

# Undeclared or unknown charsets: UTF-8 is by far the most likely, and GB18030 covers the legacy
# Chinese clients this service mostly hears from.
_GUESSES = ("utf-8", "gb18030")


def _codec_for(label: str | None) -> str | None:
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if not name:
        return None
    return _ALIASES.get(name, name)


def _try(data: bytes, codec: str, errors: str) -> str | None:
    try:
        return data.decode(codec, errors)
    except Exception:  # unknown codec, non-text codec (e.g. "base64"), or a strict decode failure
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` labelled ``charset``; never raises, falls back to U+FFFD replacement."""
    codec = _codec_for(charset)
    chain: list[str] = []
    if codec is not None:
        chain.append(codec)
        chain.extend(_RETRY.get(codec, ()))
    chain.extend(c for c in _GUESSES if c not in chain)
    for candidate in chain:
        text = _try(data, candidate, "strict")
        if text is not None:
            return text
    # Nothing fits cleanly: prefer the declared codec's reading (or the HKSCS superset for Big5).
    for candidate in ([*_RETRY.get(codec, ())[:1], codec] if codec else []) + ["utf-8"]:
        text = _try(data, candidate, "replace")
        if text is not None:
            return text
    return data.decode("latin-1")
