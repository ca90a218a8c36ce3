"""The audit of a submission: the form against the item's JSON Schema, each material against its
standard. Pure: the caller hands in what it knows about each file, bytes included; every problem is
reported at once, as (field, code, params), and worded later in the caller's language."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF = "application/pdf"


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "params": self.params}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Problem:
        return cls(str(value["field"]), str(value["code"]), dict(value.get("params") or {}))


@dataclass(frozen=True, slots=True)
class Standard:
    """One material the item asks for (the item's `materials` entry)."""

    key: str
    name: str
    required: bool
    content_types: tuple[str, ...]
    max_bytes: int
    min_pages: int | None = None

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Standard:
        return cls(
            key=value["key"],
            name=value["name"],
            required=bool(value.get("required", True)),
            content_types=tuple(value["content_types"]),
            max_bytes=int(value["max_bytes"]),
            min_pages=value.get("min_pages"),
        )


@dataclass(frozen=True, slots=True)
class Submitted:
    """What the caller knows of a submitted file (None in its place: missing or not the applicant's)."""

    content_type: str
    size: int
    inspection: dict[str, Any] | None  # what `inspect` found in its content

    @classmethod
    def of(cls, content_type: str, data: bytes) -> Submitted:
        return cls(content_type, len(data), inspect(content_type, data))


def _path(error: ValidationError) -> str:
    parts = ["form", *(str(p) for p in error.absolute_path)]
    return ".".join(parts)


def _form_problem(error: ValidationError) -> list[Problem]:
    kind = str(error.validator)
    where = _path(error)
    value: Any = error.validator_value
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in value if name not in instance]
        return [Problem(f"{where}.{name}", "required") for name in missing]
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set((error.schema or {}).get("properties", {})) if isinstance(error.schema, dict) else set()
        extra = [k for k in error.instance if k not in allowed]
        return [Problem(f"{where}.{name}", "additionalProperties") for name in extra] or [
            Problem(where, "additionalProperties")
        ]
    params: dict[str, Any] = {}
    if kind == "type":
        params["expected"] = value
    elif kind == "format":
        params["format"] = value
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"):
        params["limit"] = value
    elif kind == "enum":
        params["choices"] = list(value)
    elif kind != "pattern":
        return [Problem(where, "invalid", {"detail": error.message})]
    return [Problem(where, kind, params)]


def audit_form(schema: Mapping[str, Any], form: Mapping[str, Any]) -> list[Problem]:
    """Every way `form` fails `schema` (Draft 2020-12, formats checked), in document order."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(form), key=lambda e: [str(p) for p in e.absolute_path])
    return [problem for error in errors for problem in _form_problem(error)]


def inspect_pdf(data: bytes) -> dict[str, Any]:
    """What a PDF is: whether it opens (unencrypted, or with an empty user password) and its pages."""
    # no warnings.catch_warnings() here: it changes process-wide state, and inspections run in threads
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return {"readable": False, "encrypted": True, "pages": None}
        return {"readable": True, "encrypted": False, "pages": len(reader.pages)}
    except PyPdfError as exc:
        encrypted = "password" in str(exc).lower() or "encrypt" in str(exc).lower()
        return {"readable": False, "encrypted": encrypted, "pages": None}
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError, Warning):
        # a malformed file can break pypdf in many ways (a warning too, where warnings are errors); each is
        # the file's problem, not a 500
        return {"readable": False, "encrypted": False, "pages": None}


def inspect_image(data: bytes) -> dict[str, Any]:
    """Whether an image decodes: Pillow's verify() checks the structure, load() the pixel data."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return {"readable": False}
    return {"readable": True}


def inspect(content_type: str, data: bytes) -> dict[str, Any] | None:
    """What the audit needs to know of a file's content, found once (at upload) and kept with the file:
    a submission then needs neither the bytes nor a parser. None for types whose content is not checked."""
    if content_type == PDF:
        return {"pdf": inspect_pdf(data)}
    if content_type.startswith("image/"):
        return {"image": inspect_image(data)}
    return None


def content_problem(inspection: Mapping[str, Any] | None, min_pages: int | None) -> Problem | None:
    """The problem with a file's content as `inspect` found it, against a standard's `min_pages`."""
    if not inspection:
        return None
    if "image" in inspection:
        return None if inspection["image"]["readable"] else Problem("", "image_unreadable")
    found = inspection["pdf"]
    if not found["readable"]:
        return Problem("", "pdf_encrypted" if found["encrypted"] else "pdf_unreadable")
    pages = int(found["pages"])
    if pages == 0:
        return Problem("", "pdf_too_few_pages", {"pages": 0, "min_pages": min_pages or 1})
    if min_pages is not None and pages < min_pages:
        return Problem("", "pdf_too_few_pages", {"pages": pages, "min_pages": min_pages})
    return None


def pdf_problem(data: bytes, min_pages: int | None) -> Problem | None:
    """A PDF must open (unencrypted, or with an empty user password) and have at least `min_pages`."""
    return content_problem({"pdf": inspect_pdf(data)}, min_pages)


def image_problem(data: bytes) -> Problem | None:
    return content_problem({"image": inspect_image(data)}, None)


def audit_material(standard: Standard, submitted: Submitted | None) -> list[Problem]:
    where = f"materials.{standard.key}"
    if submitted is None:
        return [Problem(where, "file_not_yours")]
    problems: list[Problem] = []
    if submitted.content_type not in standard.content_types:
        allowed = list(standard.content_types)
        problems.append(Problem(where, "wrong_type", {"actual": submitted.content_type, "allowed": allowed}))
    if submitted.size > standard.max_bytes:
        problems.append(Problem(where, "too_large", {"size": submitted.size, "limit": standard.max_bytes}))
    if not problems:
        found = content_problem(submitted.inspection, standard.min_pages)
        if found is not None:
            problems.append(Problem(where, found.code, found.params))
    return problems


def audit(
    *,
    schema: Mapping[str, Any],
    form: Mapping[str, Any],
    standards: Sequence[Standard],
    materials: Mapping[str, object],
    files: Mapping[str, Submitted | None],
) -> list[Problem]:
    """Every problem of a submission at once. `materials` is key → file id as submitted; `files` has,
    for each submitted key, what the file is (None: missing or not the applicant's)."""
    problems = audit_form(schema, form)
    known = {s.key for s in standards}
    for standard in standards:
        if standard.key not in materials:
            if standard.required:
                problems.append(
                    Problem(f"materials.{standard.key}", "material_missing", {"name": standard.name})
                )
            continue
        problems.extend(audit_material(standard, files.get(standard.key)))
    problems.extend(Problem(f"materials.{key}", "material_unknown") for key in materials if key not in known)
    return problems


def passed_materials(materials: Mapping[str, str], problems: Sequence[Problem]) -> dict[str, str]:
    """The materials of a returned submission that passed: they stay attached on resubmission."""
    failed = {p.field.removeprefix("materials.") for p in problems if p.field.startswith("materials.")}
    return {key: file_id for key, file_id in materials.items() if key not in failed}
