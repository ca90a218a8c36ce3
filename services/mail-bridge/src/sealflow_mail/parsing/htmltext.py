"""HTML mail body to plain text, dropping quoted history, signatures and non-content markup."""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

# fmt: off
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr",
})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
})
# Never content. <head> itself is not listed: mail HTML often forgets </head>, which would hide the body.
_SKIP_TAGS = frozenset({"blockquote", "noscript", "script", "style", "template", "title", "xml"})
# Quote and signature containers whose subtree is dropped.
_SKIP_CLASSES = frozenset({
    "gmail_quote", "gmail_quote_container", "gmail_attr", "gmail_signature", "moz-cite-prefix",
    "moz-signature", "yahoo_quoted", "protonmail_quote",
})
_SKIP_IDS = frozenset({"signature", "applemailsignature"})
# Markers where a client's quoted history starts; they and everything after them are dropped.
# QQ Mail wraps the original in <includetail>; NetEase uses id="isReplyContent".
_CUT_TAGS = frozenset({"includetail"})
_CUT_IDS = frozenset({
    "divrplyfwdmsg", "appendonsend", "isforwardcontent", "isreplycontent",
    "mail-editor-reference-message-container",
})
# fmt: on

_SPACE_RUN = re.compile(r"[ \t\n\r\f]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._pre = 0
        self._stopped = False
        # Whether only whitespace was written since the last line break: source indentation between
        # block tags must not turn into blank lines.
        self._line_empty = True

    def _newline(self) -> None:
        if not self._line_empty:
            self.chunks.append("\n")
            self._line_empty = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._stopped:
            return
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        ident = ""
        classes: set[str] = set()
        for name, value in attrs:
            if name == "id" and value:
                # Outlook prefixes ids with "x_" each time a message is re-quoted.
                ident = value.strip().lower().removeprefix("x_")
            elif name == "class" and value:
                classes = set(value.lower().split())
        if tag in _CUT_TAGS or ident in _CUT_IDS:
            self._stopped = True
            return
        if tag not in _VOID and (tag in _SKIP_TAGS or ident in _SKIP_IDS or classes & _SKIP_CLASSES):
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag == "br":
            self.chunks.append("\n")
            self._line_empty = True
        elif tag in _BLOCK:
            self._newline()
        elif tag in ("td", "th"):
            self.chunks.append(" ")
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if self._stopped:
            return
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag in _BLOCK:
            self._newline()
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        if self._stopped or self._skip_tag is not None:
            return
        text = data if self._pre else _SPACE_RUN.sub(" ", data)
        self.chunks.append(text)
        if text.strip():
            self._line_empty = text.endswith("\n")


def html_to_text(html: str) -> str:
    """Render ``html`` as plain text lines; never raises (malformed markup yields what was read)."""
    parser = _TextExtractor()
    # The stdlib parser has had assertion failures on hostile markup; keep whatever was read by then.
    with contextlib.suppress(Exception):
        parser.feed(html)
        parser.close()
    lines = [line.strip() for line in "".join(parser.chunks).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
