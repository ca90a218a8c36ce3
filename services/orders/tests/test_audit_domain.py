"""The audit as pure rules: the form against its JSON Schema, materials against their standard, real
files made here (PDFs with 0/1/3 pages, encrypted, truncated; images whole and broken)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sealflow_orders.domain.audit import (
    Problem,
    Standard,
    Submitted,
    audit,
    audit_form,
    image_problem,
    passed_materials,
    pdf_problem,
)
from sealflow_orders.domain.messages import language, reason

from .samples import broken_png, pdf, png, truncated_pdf

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["amount", "contact", "kind"],
    "properties": {
        "amount": {"type": "integer", "minimum": 1, "maximum": 1000},
        "contact": {"type": "string", "format": "email"},
        "kind": {"enum": ["loan", "grant"]},
        "since": {"type": "string", "format": "date"},
    },
}
PDF_STANDARD = Standard("plan", "Business plan", True, ("application/pdf",), 200_000, min_pages=3)
IMAGE_STANDARD = Standard("photo", "Site photo", False, ("image/png", "image/jpeg"), 200_000)


def _pdf(data: bytes) -> Submitted:
    return Submitted.of("application/pdf", data)


def _codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in problems]


def test_every_form_problem_is_reported_at_once_with_its_path() -> None:
    form = {"amount": 0, "contact": "not-an-email", "since": "2026-13-45"}
    assert sorted(_codes(audit_form(SCHEMA, form))) == [
        ("form.amount", "minimum"),
        ("form.contact", "format"),
        ("form.kind", "required"),
        ("form.since", "format"),
    ]
    assert audit_form(SCHEMA, {"amount": 5, "contact": "a@b.example", "kind": "loan"}) == []
    assert _codes(audit_form(SCHEMA, {"amount": "5", "contact": "a@b.example", "kind": "x"})) == [
        ("form.amount", "type"),
        ("form.kind", "enum"),
    ]


@given(st.integers())
def test_amount_is_a_problem_exactly_outside_its_bounds(amount: int) -> None:
    problems = audit_form(SCHEMA, {"amount": amount, "contact": "a@b.example", "kind": "grant"})
    assert (problems == []) == (1 <= amount <= 1000)


def test_pdf_pages_encryption_and_damage() -> None:
    cases = {
        "no pages": (pdf(0), [("materials.plan", "pdf_too_few_pages")]),
        "one page": (pdf(1), [("materials.plan", "pdf_too_few_pages")]),
        "three pages": (pdf(3), []),
        "password": (pdf(3, password="secret"), [("materials.plan", "pdf_encrypted")]),
        "empty password": (pdf(3, password=""), []),
        "truncated": (truncated_pdf(), [("materials.plan", "pdf_unreadable")]),
        "not a pdf at all": (png(), [("materials.plan", "pdf_unreadable")]),
    }
    for name, (data, expected) in cases.items():
        problems = audit(
            schema={"type": "object"}, form={}, standards=[PDF_STANDARD], materials={"plan": "f"},
            files={"plan": _pdf(data)},
        )  # fmt: skip
        assert _codes(problems) == expected, name
    one = audit(
        schema={}, form={}, standards=[PDF_STANDARD], materials={"plan": "f"}, files={"plan": _pdf(pdf(1))}
    )
    assert one[0].params == {"pages": 1, "min_pages": 3}


def test_type_size_presence_ownership_and_images() -> None:
    big = pdf(3, padding=300_000)
    problems = audit(
        schema={"type": "object"},
        form={},
        standards=[PDF_STANDARD, IMAGE_STANDARD],
        materials={"plan": "f1", "photo": "f2", "extra": "f3"},
        files={"plan": _pdf(big), "photo": Submitted.of("image/png", broken_png())},
    )
    assert _codes(problems) == [
        ("materials.plan", "too_large"),
        ("materials.photo", "image_unreadable"),
        ("materials.extra", "material_unknown"),
    ]
    wrong = audit(schema={}, form={}, standards=[IMAGE_STANDARD], materials={"photo": "f"},
                  files={"photo": _pdf(pdf(1))})  # fmt: skip
    assert _codes(wrong) == [("materials.photo", "wrong_type")]
    assert audit(schema={}, form={}, standards=[IMAGE_STANDARD], materials={"photo": "f"},
                 files={"photo": Submitted.of("image/png", png())}) == []  # fmt: skip
    missing = audit(schema={}, form={}, standards=[PDF_STANDARD, IMAGE_STANDARD], materials={"photo": "x"},
                    files={"photo": None})  # fmt: skip
    assert _codes(missing) == [("materials.plan", "material_missing"), ("materials.photo", "file_not_yours")]


def test_passed_materials_stay_and_failed_ones_go() -> None:
    problems = [Problem("materials.plan", "pdf_encrypted"), Problem("form.amount", "minimum")]
    assert passed_materials({"plan": "a", "photo": "b"}, problems) == {"photo": "b"}


def test_reasons_in_chinese_and_english_by_accept_language() -> None:
    assert language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert language("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert language("fr, zh;q=0.5") == "zh"
    assert language(None) == "en" and language("garbage;;q=x") == "en"
    params = {"pages": 1, "min_pages": 3}
    assert reason("pdf_too_few_pages", params, "zh") == "PDF 只有 1 页，至少需要 3 页"
    assert reason("pdf_too_few_pages", params, "en") == "the PDF has 1 pages; at least 3 are needed"
    assert reason("type", {"expected": "integer"}, "zh") == "格式不对：应为整数"
    assert reason("no-such-code", {}, "en").startswith("is not acceptable")


_WHOLE = pdf(2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_WHOLE) - 1), st.integers(0, 255)), min_size=1, max_size=20),
       st.integers(1, len(_WHOLE)))  # fmt: skip
def test_a_damaged_pdf_is_a_problem_or_passes_never_an_error(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_WHOLE[:cut])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    found = pdf_problem(bytes(data), 2)
    assert found is None or found.code in ("pdf_unreadable", "pdf_encrypted", "pdf_too_few_pages")


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_as_an_image_are_a_problem_or_an_image(data: bytes) -> None:
    found = image_problem(data)
    assert found is None or found.code == "image_unreadable"
