"""Signatures under a reply: the lines that end the approver's own text and the sign-offs below it.

A comment keeps what the approver wrote and drops what their client or habit adds: "-- " blocks,
"Sent from my iPhone" / "Envoyé depuis mon iPhone" / "发自我的iPhone" lines, mailing-list footers, and a
closing sign-off at the very end ("Regards,\\n\\nJohn Doe\\nCEO", "Mvh,\\nPerson A", "-Abhishek Kona").
"Thanks," stays: it is often the last sentence of the comment.
"""

from __future__ import annotations

import re

# Lines that end the new text: everything from them on is signature. Matched against whole short lines.
_CUT_LINES = re.compile(
    # "Sent from my iPhone", not "Sent from my desk, is much easier than my mobile phone."
    r"^(?:sent from my\s[^,;:!?]{1,40}"
    r"|sent from (?:outlook|mail for windows|yahoo mail|typeapp|mailbird|spark|bluemail|samsung mobile|proton mail)\b.*"
    r"|get outlook for (?:ios|android)\b.*"
    r"|envoy[ée] (?:de|depuis) mon .*"
    r"|envoy[ée] à partir de outlook\b.*"
    r"|von meinem .{0,30} gesendet\b.*"
    r"|gesendet von (?:meinem|mein|outlook|mail|my)\b.*"
    r"|sendt fra (?:min|outlook)\b.*"
    r"|skickat från (?:min|outlook)\b.*"
    r"|verzonden (?:vanaf|met) (?:mijn|outlook)\b.*"
    r"|inviato (?:da|dal mio)\s.*"
    r"|enviado (?:desde mi|do meu|de meu)\s.*"
    r"|wysłano z (?:mojego|mego|aplikacji|outlook)\b.*"
    r"|отправлено с .*"
    r"|发自我的.*"
    r"|从我的.{0,20}发送"
    r"|(?:发|来)自网易邮箱.*"
    r"|(?:发|来)自.{0,12}(?:手机|iphone|ipad|邮箱)"
    r"|[-_]{2}"
    r")$",
    re.I,
)
_MAX_CUT_LINE = 100
# Gmail's invisible tracking pixel shows as a lone "ᐧ" at the end of plain text (Mixmax, Streak).
_TRACKER = frozenset({"\u1427"})

# Sign-offs that begin a signature block when only a few short lines follow them.
_CLOSINGS = re.compile(
    r"^(?:(?:best|kind|warm|warmest|many|with) regards|regards|best wishes|cheers|sincerely|yours sincerely"
    r"|yours truly|best|all the best"
    r"|mit freundlichen gr(?:ü|ue)(?:ß|ss)en|mfg|(?:viele|beste|liebe|freundliche) gr(?:ü|ue)(?:ß|ss)e|lg|gruß|grüße"
    r"|cordialement|bien cordialement|salutations|bien à vous|bonne journée"
    r"|saludos|atentamente|un saludo|cordialmente|cordiali saluti|distinti saluti|saluti"
    r"|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groeten|groet"
    r"|med venlig hilsen|venlig hilsen|med vennlig hilsen|vennlig hilsen|hilsen|mvh|kh|vh"
    r"|med vänliga hälsningar|vänliga hälsningar|hälsningar|bästa hälsningar"
    r"|pozdrawiam|z poważaniem|z powazaniem|atenciosamente|cumprimentos|с уважением"
    r"|此致|祝好|顺祝商祺|顺颂商祺)"
    # A name may follow on the same line ("Regards, Bob"), capitalised: "Best price we got." is prose.
    r"\s*[,.!，。！]?\s*(?-i:[A-Z][\w'-]*(?: [A-Z][\w'-]*){0,2})?$",
    re.I,
)
# A name signed with a dash or a slash: "-Abhishek Kona", "/John" (a list item is "- item", with a space).
_SIGNED_NAME = re.compile(r"^[-/][A-Z][\w.'-]*(?: [A-Za-z][\w.'-]*){0,3}$")
_MAX_BLOCK_LINES = 4
_MAX_BLOCK_LINE = 60


def ends_new_text(norm: str) -> bool:
    """``norm`` (a normalised line) starts a signature: nothing from it on is the approver's comment."""
    return norm in ("--", "-- ") or (len(norm) <= _MAX_CUT_LINE and _CUT_LINES.match(norm) is not None)


def trim_sign_off(lines: list[str], norms: list[str]) -> int:
    """How many of ``lines`` to keep once a closing sign-off block at their end is dropped."""
    end = len(lines)
    while end and (not norms[end - 1] or norms[end - 1] in _TRACKER):
        end -= 1
    filled = [i for i in range(end) if norms[i]]
    # The sign-off is among the last few lines, and everything below it is short (a name, a title, a phone).
    for start in filled[-(_MAX_BLOCK_LINES + 1) :]:
        if start == filled[0]:
            continue  # a reply that is only "Regards" keeps it: there is nothing else to keep
        below = [i for i in filled if i > start]
        if len(below) > _MAX_BLOCK_LINES or any(len(norms[i]) > _MAX_BLOCK_LINE for i in below):
            continue
        if _CLOSINGS.match(norms[start]) or (not below and _SIGNED_NAME.match(norms[start])):
            return start
        if _SIGNED_NAME.match(norms[start]) and len(below) <= 2:
            return start
    return end
