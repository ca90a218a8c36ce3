"""Real files made in the tests: PDFs of n pages, encrypted and truncated PDFs, images, text."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter


def pdf(pages: int = 1, *, password: str | None = None, padding: int = 0) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf() -> bytes:
    whole = pdf(3)
    return whole[: len(whole) // 2]


def png(size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def broken_png() -> bytes:
    whole = png((64, 64))
    return whole[:40] + b"\x00" * 40 + whole[80:]
