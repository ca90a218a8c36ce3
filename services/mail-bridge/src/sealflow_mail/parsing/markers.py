"""Lines that start a reply's quoted history, in the languages and clients our approvers use.

Each test takes a *normalised* line (`normalize_line`): NFKC (full-width to ASCII), no &nbsp; leftovers,
no invisible format characters, runs of whitespace as one space, trimmed. The English, German, French,
Italian, Dutch, Polish, Danish, Swedish and Spanish attributions and header blocks that mail-parser-reply
knows are also found by `library.py`; the rules here cover what it does not: the verbless Gmail forms
("2014-03-20 8:48 GMT+01:00 Name <addr>:", "ср, 30 апр. 2025 г. в 15:19, Name <addr>:"), Russian,
Ukrainian, Finnish, Portuguese, Hungarian, Vietnamese, Japanese and Korean clients, wrapped
attributions, dashed dividers, and the Chinese clients (NetEase, QQ, Foxmail, Outlook-CN).
"""

from __future__ import annotations

import re
import unicodedata

# ---------------------------------------------------------------------------------------- normalising

_SPACES = re.compile(r"\s+")


def normalize_line(line: str) -> str:
    """Comparable form of a line: NFKC, no &nbsp; leftovers, no invisible characters, single spaces."""
    # QQ's plain-text part contains literal "&nbsp;" copied from its HTML; Windows Mail sprinkles U+200E.
    text = unicodedata.normalize("NFKC", line.replace("&nbsp;", " "))
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _SPACES.sub(" ", text).strip()


def is_quote_line(line: str) -> bool:
    # ">:" is the wrapped end of an attribution ("… <a@b.com\n>:"), not a quote.
    stripped = line.lstrip()
    return stripped.startswith(">") and stripped.rstrip() != ">:"


# ---------------------------------------------------------------------------------------- attributions

# "On <date>, <name> wrote:" and its kin; the verb ends the attribution (before an optional colon).
_VERBS = (
    r"wrote|writes|sent|schrieb|schreef|geschreven|skrev|skriver|a [ée]crit|escribi[óo]|escreveu|ha scritto"
    r"|scrisse|ha escrit|kirjoitti|napisa[łl]\(a\)|napisa[łl]a?|nadesłał|pisze|написал[аи]?|написав|писал"
    r"|пише|írta|yazdı|đã viết"
)
# Chinese, Japanese and Korean need no space before the verb: "于2026年11月20日 10:00写道：".
_CJK_VERBS = r"写道|寫道|작성|のメッセージ"
_ENDS_WITH_VERB = re.compile(rf"(?:(?:^|[\s,>)\"'])(?:{_VERBS})|{_CJK_VERBS})\s*[:：]?$", re.I)
# Outside a dashed divider the colon is required: "All 3 invoices were sent" is prose.
_ENDS_WITH_VERB_COLON = re.compile(rf"(?:(?:^|[\s,>)\"'])(?:{_VERBS})|{_CJK_VERBS})\s*[:：]$", re.I)
# German and Google Inbox put the date after the verb: "Name <a@b> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:".
_VERB_THEN_DATE = re.compile(r"\b(?:schrieb|wrote|skrev|schreef) (?:am|on|den|op)\b.*\d.*[:：]$", re.I)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Gmail without a verb, as its Russian, Japanese, Yandex or Mail.ru forms write it: a date and an address.
# The address is bracketed ("<a@b>:", "(a@b):"): "Send the 3 invoices to ap@corp.example:" is prose.
_DATE_ADDRESS_COLON = re.compile(r"\d.*[<(\[]\s*(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*[>)\]]+\s*[:：]$")
# Old Gmail: "2011/4/7 Name <addr>" (no colon); localised Gmail: "2016-03-03 17:21 GMT+01:00 Name".
_GMAIL_OLD = re.compile(r"^\d{4}/\d{1,2}/\d{1,2} .{1,120}<[\w.+-]+@[\w.-]+>:?$")
_GMAIL_GMT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} GMT[+-]\d{2}:\d{2} \S.{0,200}$")
# How attributions begin: a preposition ("On", "Am", "Le", "W dniu", "在" …), a weekday or a date.
_STARTS_LIKE_ATTRIBUTION = re.compile(
    r"^(?:on|am|le|el|op|den|em|il|in data|w dniu|dnia|pe|ma|ti|ke|to|la|su|ons|tir|fre|man|tor|lør|søn|mån"
    r"|tis|lör|sön|vào|på|at|в)\b|^(?:\d|[a-zа-яё]{2,3}\.?,? \d|[^\W\d_]+, \d|在|于|於)",
    re.I,
)
_PREPOSITION = re.compile(r"^(?:on|am|le|el|op|den|em|il|in data|w dniu|dnia|vào|på)\s|^(?:在|于|於)", re.I)
MAX_ATTRIBUTION = 400


def _unwrapped(text: str) -> str:
    # Dashed forms: "---- John Smith wrote ----", "------On 12/29/1987 17:32 PM, Julius Caesar wrote-----".
    return text.strip("-=_*~ ")


def is_attribution(text: str) -> bool:
    """``text`` (one line, or wrapped lines joined by spaces) says who wrote the quoted mail below."""
    if not text or len(text) > MAX_ATTRIBUTION:
        return False
    core = _unwrapped(text)
    if _ENDS_WITH_VERB_COLON.search(core):
        # A verb alone is prose ("Here are the 3 files I sent:"); attributions carry an address or start
        # with a preposition, a weekday or a date.
        return bool(_ADDRESS.search(core) or _STARTS_LIKE_ATTRIBUTION.match(core))
    if _ENDS_WITH_VERB.search(core):
        # Without the colon ("On Wed, 14 Nov 2018 08:14 Name <a@b> wrote"), only the full form counts.
        return bool(_PREPOSITION.match(core) and _ADDRESS.search(core))
    return bool(
        _VERB_THEN_DATE.search(core)
        or _DATE_ADDRESS_COLON.search(core)
        or _GMAIL_OLD.match(core)
        or _GMAIL_GMT.match(core)
    )


def may_start_attribution(text: str) -> bool:
    """The first of several lines an attribution was wrapped over looks like the start of one.

    It carries the date or the address ("On Nov 21, 2014,", "Name <a@b> schrieb am Fr., 28.") and ends
    no sentence: "to test this in 2 weeks. I will let you know then..." is the reply above one."""
    core = _unwrapped(text)
    if core.endswith(("..", "!", "?", "…", "。", "！", "？")):
        return False
    # "Fr., 28." and "20. Nov." end with abbreviations; "… in 2 weeks." ends a sentence.
    if core.endswith(".") and "@" not in core and len(core.rsplit(" ", 1)[-1]) > 5:
        return False
    if not (re.search(r"\d", core) or "@" in core or core.endswith("<")):
        return False
    return bool(_STARTS_LIKE_ATTRIBUTION.match(core) or "@" in core or core.endswith("<"))


# ---------------------------------------------------------------------------------------- header blocks

# Outlook-style header blocks, as Outlook, Gmail (*From:*), Foxmail, QQ and NetEase (| From | … |) write them.
_FROM_LABELS = r"from|de|von|van|da|fra|från|od|от|feladó|lähettäjä|kimden|message du|发件人|寄件者|寄件人|差出人|보낸 ?사람"
_OTHER_LABELS = (
    r"sent|sent time|date|to|cc|bcc|subject|reply-to|envoyé le|envoyé|à|a|objet|sujet|copie à|gesendet|an|betreff"
    r"|datum|verzonden|aan|onderwerp|inviato|oggetto|data|risposta|sendt|til|emne|dato|skickat|till|ämne"
    r"|wysłano|do|temat|dw|отправлено|кому|тема|дата|копия|lähetetty|vastaanottaja|aihe|gönderildi|kime|konu"
    r"|elküldve|címzett|tárgy|enviado|para|assunto|asunto|fecha|发送时间|发件时间|时间|日期|收件人|抄送|主题"
    r"|寄件日期|傳送時間|收件者|副本|主旨|送信日時|宛先|件名|받는 ?사람|보낸 ?날짜|제목"
)
_LABEL_LINE = r"^[*|]?\s*\**\s*(?:{labels})\s*\**\s*(?:[:：]|\|)"
_FROM_LINE = re.compile(_LABEL_LINE.format(labels=_FROM_LABELS), re.I)
_HEADER_LINE = re.compile(_LABEL_LINE.format(labels=_FROM_LABELS + "|" + _OTHER_LABELS), re.I)
# The labels that only a header block has; a pair of "To:"/"A:" lines alone could be a list in a comment.
_STRONG_LINE = re.compile(
    _LABEL_LINE.format(
        labels=_FROM_LABELS + r"|sent|sent time|date|subject|envoyé le|envoyé|objet|gesendet"
        r"|betreff|verzonden|onderwerp|inviato|oggetto|sendt|emne|skickat|ämne|wysłano|temat"
        r"|отправлено|тема|发送时间|发件时间|日期|主题|寄件日期|傳送時間|主旨|件名|제목"
    ),
    re.I,
)
# A lone "Date: Wed, 16 May 2012 00:15:02 -0600" line (a header block cut short).
_RFC_DATE_LINE = re.compile(r"^\**date\**\s*:\s*\w{3}\S*\s+\d{1,2}\s+\w{3}\s+\d{4}\s+\d{1,2}:\d{2}", re.I)
HEADER_LOOKAHEAD = 6


def is_from_line(norm: str) -> bool:
    return _FROM_LINE.match(norm) is not None


def is_from_address_line(norm: str) -> bool:
    """A lone "From: Name <addr>" line (a header block of one line, as some clients quote)."""
    return len(norm) <= MAX_ATTRIBUTION and is_from_line(norm) and _ADDRESS.search(norm) is not None


def is_header_line(norm: str) -> bool:
    return _HEADER_LINE.match(norm) is not None


def is_strong_header_line(norm: str) -> bool:
    return _STRONG_LINE.match(norm) is not None


_TIME = re.compile(r"\d{1,2}:\d{2}")


def has_time_or_address(norm: str) -> bool:
    return _TIME.search(norm) is not None or _ADDRESS.search(norm) is not None


def is_lone_date_header(norm: str) -> bool:
    return _RFC_DATE_LINE.match(norm) is not None


# ---------------------------------------------------------------------------------------- dividers

# "-----Original Message-----", QQ's "------------------ 原始邮件 ------------------", NetEase's
# "---- 回复的原邮件 ----" / "---- Replied Message ----", Danish "-------- Oprindelig besked --------".
_DIVIDER_LABELS = frozenset(
    {
        "original message",
        "original",
        "message d'origine",
        "message original",
        "mensaje original",
        "mensagem original",
        "messaggio originale",
        "ursprüngliche nachricht",
        "ursprungliche nachricht",
        "oorspronkelijk bericht",
        "oprindelig besked",
        "oprindelig meddelelse",
        "opprinnelig melding",
        "ursprungligt meddelande",
        "alkuperäinen viesti",
        "oryginalna wiadomość",
        "исходное сообщение",
        "forwarded message",
        "weitergeleitete nachricht",
        "message transféré",
        "replied message",
        "原始邮件",
        "原始郵件",
        "邮件原件",
        "郵件原件",
        "回复的原邮件",
        "回覆的原郵件",
        "转发邮件信息",
        "转发的邮件",
    }
)
_RULE = re.compile(r"^[-=_*~]{4,}$")
# Outlook's plain-text divider, and mailing-list footers: a rule of underscores.
_UNDERSCORE_RULE = re.compile(r"^_{16,}$")
_FORWARD_INTRO = re.compile(
    r"^(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié)\s*:$",
    re.I,
)
# QQ's newer quote card: a line "Original" or "原始邮件" above From:/发件人: lines, no dashes.
_CARD_TITLES = frozenset({"original", "原始邮件", "原始郵件", "original message"})


def divider_label(norm: str) -> str:
    return " ".join(norm.strip("-=_*~ ").split()).casefold()


def is_divider(norm: str) -> bool:
    """A dashed divider line naming the original ("-----Original Message-----", "---- 回复的原邮件 ----")."""
    if _UNDERSCORE_RULE.match(norm):
        return True
    bare = norm.strip("*_ ")
    if not (bare.startswith(("--", "==")) and bare.endswith(("--", "=="))):
        return _FORWARD_INTRO.match(norm) is not None
    label = divider_label(bare)
    # The dashes already say "history": "---- John Smith wrote ----" needs no date or address.
    return label in _DIVIDER_LABELS or (bool(label) and _ENDS_WITH_VERB.search(label) is not None)


def is_rule(norm: str) -> bool:
    """A bare rule ("------------------------------", "====") that clients put above a header block."""
    return _RULE.match(norm) is not None


def is_card_title(norm: str) -> bool:
    return divider_label(norm) in _CARD_TITLES
