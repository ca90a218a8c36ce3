"""Quoted history and signatures of the clients and languages issue 11 found leaking into comments.

Our own fixtures, one per failure class: a decision, the approver's own text, then the history the way
that client writes it. Every quoted original mentions the PO number, so its presence means a leak; the
comment must be exactly the approver's text (nothing of theirs lost, nothing else kept).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sealflow_mail.parsing import parse_decision, parse_reply, strip_quoted

from .mailbuild import ADDR, ORIG_CN, ORIG_EN, PO, message, part, plain, quoted

OWN = "Budget confirmed with finance.\nPlease pay the vendor this week."
OWN_CN = "预算已确认。\n请本周内付款。"

# (id, history below the approver's text) — attributions as each client wraps them.
ATTRIBUTIONS = [
    ("gmail-verbless-gmt", f"2026-11-20 10:00 GMT+08:00 Sealflow Approvals <{ADDR}>:\n\n{quoted(ORIG_EN)}"),
    (
        "gmail-verbless-gmt-wrapped",
        f"2026-11-20 10:00 GMT+08:00 Sealflow Approvals <\n{ADDR}>:\n\n{quoted(ORIG_EN)}",
    ),
    ("gmail-old-no-colon", f"2026/11/20 Sealflow Approvals <{ADDR}>\n\n{quoted(ORIG_EN)}"),
    ("german-name-without-address", f"Am 20.11.2026 um 10:00 schrieb Sealflow Approvals:\n{quoted(ORIG_EN)}"),
    ("german-am-schrieb", f"Am 20.11.2026 um 10:00 schrieb Sealflow <{ADDR}>:\n{quoted(ORIG_EN)}"),
    (
        "german-inbox-wrapped",
        f"Sealflow <{ADDR}> schrieb am Fr., 20. Nov.\n2026 um 10:00 Uhr:\n\n{quoted(ORIG_EN)}",
    ),
    (
        "german-address-wrapped",
        f"Am Fr., 20. Nov. 2026 um 10:00 Uhr schrieb Sealflow <\n{ADDR}>:\n{quoted(ORIG_EN)}",
    ),
    ("french", f"Le ven. 20 nov. 2026 à 10:00, Sealflow <{ADDR}> a écrit :\n{quoted(ORIG_EN)}"),
    ("dutch-wrapped", f"Op vr 20 nov. 2026 om 10:00 schreef Sealflow <\n{ADDR}>:\n\n{quoted(ORIG_EN)}"),
    (
        "dutch-apple",
        f"Op 20 nov. 2026, om 10:00 heeft Sealflow <{ADDR}> het volgende geschreven:\n\n{quoted(ORIG_EN)}",
    ),
    ("italian", f"Il giorno ven 20 nov 2026 alle ore 10:00 Sealflow <{ADDR}> ha scritto:\n{quoted(ORIG_EN)}"),
    ("italian-wrapped", f"Il venerdì 20 novembre 2026, Sealflow <{ADDR}>\nha scritto:\n\n{quoted(ORIG_EN)}"),
    (
        "portuguese",
        f"Em sex., 20 de nov. de 2026 às 10:00, Sealflow (\n{ADDR}) escreveu:\n\n{quoted(ORIG_EN)}",
    ),
    ("swedish", f"Den fre 20 nov. 2026 kl. 10:00 skrev Sealflow <{ADDR}>:\n{quoted(ORIG_EN)}"),
    (
        "norwegian-wrapped-bracket",
        f"fre. 20. nov. 2026 kl. 10:00 skrev Sealflow <{ADDR}\n>:\n\n{quoted(ORIG_EN)}",
    ),
    ("danish", f"Den 20. nov. 2026 kl. 10.00 skrev Sealflow <{ADDR}>:\n{quoted(ORIG_EN)}"),
    ("polish", f"W dniu 20.11.2026 o 10:00, Sealflow <{ADDR}> pisze:\n{quoted(ORIG_EN)}"),
    ("polish-napisal", f"Dnia 20 listopada 2026 10:00 Sealflow <{ADDR}> napisał(a):\n{quoted(ORIG_EN)}"),
    ("russian-gmail", f"пт, 20 нояб. 2026 г. в 10:00, Sealflow <{ADDR}>:\n\n{quoted(ORIG_EN)}"),
    ("russian-android", f'20.11.2026 10:00 пользователь "Sealflow" <\n{ADDR}> написал:\n\n{quoted(ORIG_EN)}'),
    ("ukrainian", f'20 лист. 2026 р. о 10:00 "Sealflow" <{ADDR}> пише:\n\n{quoted(ORIG_EN)}'),
    (
        "finnish-wrapped",
        f"pe 20. marraskuuta 2026 klo 10.00 Sealflow\n<{ADDR}> kirjoitti:\n\n{quoted(ORIG_EN)}",
    ),
    ("hungarian", f'2026.11.20. 10:00 keltezéssel, "Sealflow" írta:\n{quoted(ORIG_EN)}'),
    ("vietnamese", f"Vào 10:00 20 tháng 11, 2026, Sealflow <{ADDR}> đã viết:\n{quoted(ORIG_EN)}"),
    ("japanese-gmail", f"2026年11月20日(金) 10:00 Sealflow <{ADDR}>:\n\n{quoted(ORIG_EN)}"),
    ("japanese-apple", f"2026/11/20 10:00、Sealflow <{ADDR}> のメッセージ:\n\n{quoted(ORIG_EN)}"),
    ("korean", f"2026. 11. 20. 오전 10:00, Sealflow <{ADDR}> 작성:\n\n{quoted(ORIG_EN)}"),
    ("yandex", f'20.11.2026, 10:00, "Sealflow" <{ADDR}>:\n{quoted(ORIG_EN)}'),
    ("mail-ru", f"Fri, 20 Nov 2026 10:00:00 +0800 от Sealflow <{ADDR}>:\n{quoted(ORIG_EN)}"),
    ("three-line-apple", f"On Nov 20, 2026,\nat 10:00,\nSealflow <{ADDR}> wrote:\n\n{quoted(ORIG_EN)}"),
    ("no-colon", f"On Fri, 20 Nov 2026 10:00:00 +0800 Sealflow <{ADDR}> wrote\n\n{ORIG_EN}"),
    ("sent-verb", f"On 20-Nov-2026, at 10:00 AM, Sealflow <{ADDR}> sent:\n{quoted(ORIG_EN)}"),
    (
        "polymail",
        f"On Fri, 20 Nov 2026 at 10:00 Sealflow\n\n<\nmailto:Sealflow <{ADDR}>\n> wrote:\n\n{ORIG_EN}",
    ),
]

HEADER_BLOCKS = [
    ("german", "Von: Sealflow <{a}>\nGesendet: Freitag, 20. November 2026 10:00\nAn: Bob\nBetreff: {po}\n"),
    (
        "french-spaced",
        "De : Sealflow [mailto:{a}]\nEnvoyé : vendredi 20 novembre 2026 10:00\nÀ : Bob\nObjet : {po}\n",
    ),
    (
        "dutch-bold-rule",
        "------------------------------\n\n*Van:* Sealflow [mailto:{a}]\n*Verzonden:* vrijdag 20 november 2026 10:00\n*Aan:* bob\n*Onderwerp:* {po}\n",
    ),
    (
        "italian",
        "Da: Sealflow\nRisposta: Sealflow / Approvals\nData: venerdì 20 novembre 2026 10:00\nA: Bob\nOggetto: {po}\n",
    ),
    ("danish", "Fra: Sealflow <{a}>\nSendt: 20. november 2026 10:00\nTil: Bob\nEmne: {po}\n"),
    ("swedish", "Från: Sealflow [mailto:{a}]\nSkickat: den 20 november 2026 10:00\nTill: Bob\nÄmne: {po}\n"),
    ("polish", "Od: Sealflow <{a}>\nWysłano: piątek, 20 listopada 2026 10:00\nDo: Bob\nTemat: {po}\n"),
    (
        "russian-windows-mail",
        "От:\xa0Sealflow\nОтправлено:\xa0\u200eпятница\u200e, \u200e20\u200e ноября\u200e 2026\u200e г. 10:00\nКому:\xa0Bob\n",
    ),
    (
        "hotmail-date-first",
        "Date: Fri, 20 Nov 2026 10:00:00 +0800\nSubject: {po}\nFrom: {a}\nTo: bob@corp.example.com\n",
    ),
    ("lone-date", "Date: Fri, 20 Nov 2026 10:00:00 +0800\n"),
    ("lone-from-address", "From: Sealflow <{a}>\n\n"),
    (
        "french-rule-message-du",
        '========================================\nMessage du : 20/11/2026 10:00\nDe : "Sealflow" <{a}>\nA : bob@corp.example.com\nSujet : {po}\n',
    ),
]

DIVIDERS = [
    (
        "danish-oprindelig",
        "-------- Oprindelig besked --------\nFra: Sealflow <{a}>\nDato: 20.11.2026 10.00 (GMT+08:00)\n",
    ),
    ("danish-meddelelse", "-----Oprindelig meddelelse-----\nFra: Sealflow\nSendt: 20. november 2026 10:00\n"),
    ("zoho-on-wrote", "---- On Fri, 20 Nov 2026 10:00:00 +0800 Sealflow <{a}> wrote ----\n\n"),
    ("android-name-wrote", "---- Sealflow wrote ----\n\n"),
    ("dashed-on-wrote", "------On 11/20/2026 10:00 AM, Sealflow wrote-----\n\n"),
    ("bold-original-message", "*-------- Original Message --------*\n\n"),
    ("outlook-underscores", "________________________________\nFrom: Sealflow\n"),
]


def _reply(own: str, history: str, original: str = ORIG_EN) -> bytes:
    body = history.format(a=ADDR, po=PO)
    if PO not in body:
        body += "\n" + original
    return plain(f"同意\n{own}\n\n{body}")


@pytest.mark.parametrize("history", [h for _, h in ATTRIBUTIONS], ids=[i for i, _ in ATTRIBUTIONS])
def test_attributions_of_many_clients_and_languages_are_cut(history: str) -> None:
    parsed = parse_reply(plain(f"同意\n{OWN}\n\n{history}"))
    assert (parsed.decision, parsed.comment) == ("approve", OWN)


@pytest.mark.parametrize("block", [h for _, h in HEADER_BLOCKS], ids=[i for i, _ in HEADER_BLOCKS])
def test_header_blocks_of_many_languages_are_cut(block: str) -> None:
    parsed = parse_reply(_reply(OWN, block))
    assert (parsed.decision, parsed.comment) == ("approve", OWN)


@pytest.mark.parametrize("divider", [h for _, h in DIVIDERS], ids=[i for i, _ in DIVIDERS])
def test_dividers_are_cut(divider: str) -> None:
    parsed = parse_reply(_reply(OWN, divider))
    assert (parsed.decision, parsed.comment) == ("approve", OWN)


NETEASE_TABLE = (
    "---- 回复的原邮件 ----\n| 发件人 | Sealflow 审批<{a}> |\n| 日期 | 2026年11月20日 10:00 |\n"
    "| 收件人 | lisi@corp.example.com |\n| 主题 | 待审批：采购单 {po} |\n"
)
NETEASE_ENGLISH = (
    "---- Replied Message ----\n| From | Sealflow<{a}> |\n| Date | 11/20/2026 10:00 |\n"
    "| To | lisi@corp.example.com |\n| Subject | {po} |\n"
)
NETEASE_INLINE = "---- 回复的原邮件 ----\n发件人: Sealflow 日期: 2026年11月20日\n"
QQ_CARD = (
    "原始邮件\n发件人：Sealflow 审批 <{a}>\n发件时间：2026年11月20日(星期五) 上午10:00\n"
    "收件人：李四 <lisi@corp.example.com>\n主题：待审批：采购单 {po}\n"
)
QQ_CARD_ENGLISH = "         Original\n\nFrom:Sealflow <{a}>\nSent Time:Nov 20, 2026 10:00\n\n"
FOXMAIL_LABELS = "发件人：Sealflow 审批 <{a}>\n发件时间：2026年11月20日 10:00\n"


@pytest.mark.parametrize(
    "history",
    [NETEASE_TABLE, NETEASE_ENGLISH, NETEASE_INLINE, QQ_CARD, QQ_CARD_ENGLISH, FOXMAIL_LABELS],
    ids=[
        "netease-table",
        "netease-replied-message",
        "netease-inline",
        "qq-card",
        "qq-card-english",
        "foxmail",
    ],
)
def test_chinese_clients_history_is_cut(history: str) -> None:
    parsed = parse_reply(_reply(OWN_CN, history, ORIG_CN))
    assert (parsed.decision, parsed.comment) == ("approve", OWN_CN)


NETEASE_HTML = (
    "<html><body><div>驳回，请补充报价单</div><div><br></div>"
    '<div class="J-reply" style="background-color:#f2f2f2;color:black;padding-top:6px">'
    "<div>---- 回复的原邮件 ----</div>"
    '<table class="J-reply-table"><tr><td>发件人</td><td>Sealflow &lt;{a}&gt;</td></tr>'
    "<tr><td>日期</td><td>2026年11月20日 10:00</td></tr><tr><td>主题</td><td>{po}</td></tr></table>"
    "<div>{po} 原文</div></div></body></html>"
)
QQ_HTML_CARD = (
    "<html><body><div>驳回，请补充报价单</div><div><br></div>"
    '<div style="font-size:12px;background:#efefef;padding:8px"><div><b>原始邮件</b></div>'
    "<div>发件人：Sealflow &lt;{a}&gt;</div><div>发件时间：2026年11月20日 10:00</div>"
    "<div>主题：{po}</div></div><div>{po} 原文</div></body></html>"
)


@pytest.mark.parametrize("html", [NETEASE_HTML, QQ_HTML_CARD], ids=["netease-mail-master", "qq-card"])
def test_chinese_clients_html_history_is_cut(html: str) -> None:
    parsed = parse_reply(message(part(html.format(a=ADDR, po=PO), ctype="text/html")))
    assert (parsed.decision, parsed.comment) == ("reject", "请补充报价单")


def test_qq_quotes_only_the_first_line_of_a_wrapped_paragraph() -> None:
    """QQ puts "> " on the first line of each quoted paragraph only; the wrapped rest is quote too."""
    body = (
        "同意，尽快付款\n\n"
        f"> 张三 申请采购 {PO}（金额 12,000 元），供应商为上海某某科技有限公司，交付日期为十二月\n"
        "十五日，付款方式为银行转账。\n"
        "> 请在第一行回复 同意 或 驳回，可在后面附上意见；此链接只能使用一次，过期后需要重新\n"
        f"发起申请 {PO}。\n"
    )
    parsed = parse_reply(plain(body))
    assert (parsed.decision, parsed.comment) == ("approve", "尽快付款")


def test_an_inline_answer_below_a_short_quote_is_kept() -> None:
    parsed = parse_reply(plain("同意\n> 金额对吗？\n对，已核实。\n"))
    assert parsed.comment == "对，已核实。"


SIGNATURES = [
    ("regards-name-title", "Regards,\n\nBob Smith\nFinance Manager @ Corp"),
    ("best-regards", "Best regards\nBob"),
    ("envoye-depuis", "Envoyé depuis mon iPhone"),
    ("envoye-outlook-ios", "Envoyé à partir de Outlook pour iOS<https://aka.ms/o0ukef>"),
    ("typeapp", "Sent from TypeApp<http://www.typeapp.com/r?b=2621>"),
    ("gesendet-von-outlook", "Gesendet von Outlook für Android<https://aka.ms/AAb9ysg>"),
    ("sendt-fra-ipad", "Sendt fra min iPad"),
    ("dash-name", "-Bob Smith"),
    ("slash-name", "/Bob"),
    ("mvh", "Mvh,\nPerson A\n070-0000000"),
    ("med-venlig-hilsen", "Med venlig hilsen\nAnders Andersen"),
    ("pozdrawiam", "Pozdrawiam,\nJan"),
    (
        "mailing-list-footer",
        "-Bob\n\n_______________________________________________\nfinance mailing list\nhttp://lists.example.com/finance",
    ),
    ("gmail-tracker", "ᐧ"),
]


@pytest.mark.parametrize("signature", [s for _, s in SIGNATURES], ids=[i for i, _ in SIGNATURES])
def test_signatures_the_peers_hide_are_hidden(signature: str) -> None:
    parsed = parse_reply(plain(f"Reject - not this quarter\n\n{OWN}\n\n{signature}\n"))
    assert (parsed.decision, parsed.comment) == ("reject", f"not this quarter\n\n{OWN}")


KEPT = [
    "From the budget side this is fine.\nTo be paid this week.",
    "Thanks,\nBob",
    "Data: see the attachment.",
    "To: procurement\nplease order now",
    "On Monday we pay.\nBob wrote the memo already.",
    "- budget checked\n- vendor checked",
    "Regards to the team, this took long.\nWe pay on Monday and close the order.\nThen the audit follows next week and the "
    "auditors will want every receipt.\nKeep them together.\nAnd the signed quote.",
    "2 invoices are missing:\nplease send them",
    "All 3 invoices were sent\nto the vendor",
    "Best price we got.\nGo ahead",
    "Here are the 3 files I sent:\n- the quote\n- the invoice",
    "We need 2 more quotes, as Bob wrote:\nthree is the rule",
    "Sent from my desk, is much easier than my mobile phone.",
    "Regretfully I only have time\nto test this in 2 weeks. I will let you know then...",
    "Am heutigen Tage",
    "时间：下周一\n主题：采购笔记本\n金额：8999",
    "Cheers to the team for the quick quote",
    "Send the 3 invoices to ap@corp.example.com:\nthe PDFs are fine",
    "Bob <bob@corp.example.com> wrote the memo\nand I agree",
]


@pytest.mark.parametrize("own", KEPT)
def test_the_approver_s_own_text_is_never_cut(own: str) -> None:
    parsed = parse_reply(
        plain(
            f"APPROVE\n{own}\n\nOn Fri, Nov 20, 2026 at 10:00 AM Sealflow <{ADDR}> wrote:\n{quoted(ORIG_EN)}"
        )
    )
    assert (parsed.decision, parsed.comment) == ("approve", own)


WORD = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)
OWN_TEXT = st.lists(st.lists(WORD, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=5).map(
    "\n".join
)
HISTORIES = [h for _, h in ATTRIBUTIONS] + [h.format(a=ADDR, po=PO) for _, h in HEADER_BLOCKS + DIVIDERS]


@settings(max_examples=300)
@given(OWN_TEXT, st.sampled_from(HISTORIES))
def test_own_text_above_any_history_is_kept_whole(own: str, history: str) -> None:
    assume(strip_quoted(own) == own)  # random words could spell a sign-off ("Mvh") or a marker
    # and a reason that is itself the other decision ("驳回：APPROVE") is rightly unparseable
    assume(parse_decision(f"驳回：{own}")[0] == "reject")
    parsed = parse_reply(plain(f"驳回：{own}\n\n{history}\n{ORIG_EN}"))
    assert parsed.decision == "reject"
    assert parsed.comment == own


@pytest.mark.parametrize("own", KEPT)
def test_the_approver_s_own_text_right_above_a_wrapped_attribution_is_kept(own: str) -> None:
    """No blank line between the reply and a two-line attribution (Android Gmail in Dutch)."""
    history = (
        f'Op 20 nov. 2026 10:00 schreef "Sealflow" <{ADDR}> het\nvolgende geschreven:\n\n{quoted(ORIG_EN)}'
    )
    parsed = parse_reply(plain(f"APPROVE\n{own}\n{history}"))
    assert (parsed.decision, parsed.comment) == ("approve", own)
