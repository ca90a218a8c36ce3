"""Reply headers that mail-parser-reply knows, for the languages it knows.

mail-parser-reply (alfonsrv) keeps per-language patterns for the attribution lines ("On … wrote:",
"Am … schrieb …:", "Le … a écrit :", "Il … ha scritto:", "Op … schreef:", "Den … skrev …:", "Dnia …
napisał(a):", "El … escribió:", "2022年1月1日(金) 9:00 Name <addr>:") and the Outlook header blocks of
each language (Von:/Gesendet:, De :/Envoyé :, Da:/Inviato:, Van:/Verzonden:, Fra:/Sendt:, Från:/Skickat:,
Od:/Wysłano: …). We use its patterns to find where the history starts; which lines the approver wrote,
the Chinese clients, signatures and the comment are ours (`quotes.py`).
"""

from __future__ import annotations

import re

from mailparser_reply.constants import GENERIC_MAIL_SEPARATOR, MAIL_LANGUAGES

# Every language it has; its Chinese patterns are ours to keep (markers.py), as its README says untested.
_LANGUAGES = ("en", "de", "fr", "it", "nl", "da", "sv", "es", "cs", "pl", "ja", "ko")
# Its Polish header pattern takes a single "Od:"/"Do:"/"Data:" line as a whole header block, which would
# cut a comment at a line like "Data: see the attachment"; a block needs two lines, as for the others.
_SINGLE_LINE_BLOCK = "){1,}(?:"
_MAX_HEADER_LINE = 1000
_LABEL_SPAN = 40


def _patterns() -> re.Pattern[str]:
    pieces: list[str] = []
    for language in _LANGUAGES:
        rules = MAIL_LANGUAGES[language]
        for key in ("wrote_header", "from_header"):
            pattern = rules.get(key)
            if isinstance(pattern, str) and pattern:
                pieces.append(pattern.replace(_SINGLE_LINE_BLOCK, "){2,}(?:"))
    pieces.append(f"({GENERIC_MAIL_SEPARATOR})")
    return re.compile("|".join(pieces), re.MULTILINE | re.IGNORECASE)


_HEADERS = _patterns()


def header_lines(lines: list[str]) -> list[int]:
    """Indices of the lines where one of the library's reply headers starts, in order.

    The library matches on trimmed lines (as it normalises text itself), so ``lines`` are trimmed here too.
    No header line is long; long lines (pasted text, unwrapped HTML) are left out, as its patterns
    backtrack over them."""
    trimmed = [line.strip() if len(line) <= _MAX_HEADER_LINE else "" for line in lines]
    # Every header the patterns find has a line ending in a colon ("… wrote:"), a label with a colon
    # ("Von: …") or dashes; a wrapped attribution starts a line above. The rest cannot match: blank it,
    # which keeps line numbers and spares the patterns most of the text.
    cue = [":" in line[:_LABEL_SPAN] or line.endswith(":") or "-----" in line for line in trimmed]
    if not any(cue):
        return []
    text = "\n".join(
        line if cue[i] or (i + 1 < len(cue) and cue[i + 1]) else "" for i, line in enumerate(trimmed)
    )
    found: list[int] = []
    for match in _HEADERS.finditer(text):
        start = match.start()
        # Its header patterns begin with an optional newline: the header is on the line after it.
        while start < len(text) and text[start] == "\n":
            start += 1
        index = text.count("\n", 0, start)
        if not found or found[-1] != index:
            found.append(index)
    return found
