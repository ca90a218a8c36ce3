"""What an audit problem says, in Chinese and English: a reason a person can act on."""

from __future__ import annotations

from typing import Any

# code: (中文, English); {placeholders} come from the problem's params
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("请填写此项", "this field is required"),
    "type": ("格式不对：应为{expected}", "has the wrong type: expected {expected}"),
    "format": ("格式不对：应为有效的{format}", "is not a valid {format}"),
    "minimum": ("不能小于 {limit}", "must be at least {limit}"),
    "maximum": ("不能大于 {limit}", "must be at most {limit}"),
    "exclusiveMinimum": ("必须大于 {limit}", "must be more than {limit}"),
    "exclusiveMaximum": ("必须小于 {limit}", "must be less than {limit}"),
    "minLength": ("至少需要 {limit} 个字符", "needs at least {limit} characters"),
    "maxLength": ("最多 {limit} 个字符", "may have at most {limit} characters"),
    "pattern": ("格式不对", "does not have the expected format"),
    "enum": ("只能是以下之一：{choices}", "must be one of: {choices}"),
    "additionalProperties": ("表单中没有此项", "is not a field of this form"),
    "invalid": ("填写内容不符合要求：{detail}", "is not acceptable: {detail}"),
    "material_missing": ("缺少必需的材料「{name}」", "the required material '{name}' is missing"),
    "material_unknown": ("此事项不需要这份材料", "this item asks for no such material"),
    "file_not_yours": ("文件不存在或不是您上传的，请重新上传", "no such file of yours; upload it again"),
    "wrong_type": (
        "文件类型为 {actual}，应为 {allowed}",
        "the file is {actual}; it must be one of {allowed}",
    ),
    "too_large": (
        "文件大小 {size} 字节，超过上限 {limit} 字节",
        "the file has {size} bytes, more than the limit of {limit}",
    ),
    "pdf_unreadable": ("PDF 文件已损坏或无法打开", "the PDF is damaged or cannot be opened"),
    "pdf_encrypted": (
        "PDF 文件设有密码，请上传未加密的文件",
        "the PDF is password-protected; upload it unencrypted",
    ),
    "pdf_too_few_pages": (
        "PDF 只有 {pages} 页，至少需要 {min_pages} 页",
        "the PDF has {pages} pages; at least {min_pages} are needed",
    ),
    "image_unreadable": ("图片已损坏或无法识别", "the image is damaged or cannot be decoded"),
}

TYPE_NAMES = {
    "zh": {
        "string": "文本",
        "integer": "整数",
        "number": "数字",
        "boolean": "是/否",
        "object": "对象",
        "array": "列表",
        "null": "空",
    },
}


def language(accept_language: str | None) -> str:
    """'zh' when the caller prefers Chinese (by Accept-Language q-values), else 'en'."""
    best, best_q = "en", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        tag = tag.strip().lower()
        if tag.startswith(("zh", "en")) and q > best_q:
            best, best_q = tag[:2], q
    return best


def reason(code: str, params: dict[str, Any], lang: str) -> str:
    zh, en = MESSAGES.get(code, MESSAGES["invalid"])
    values = {k: _show(v, lang) for k, v in params.items()}
    values.setdefault("detail", code)
    try:
        return (zh if lang == "zh" else en).format(**values)
    except (KeyError, IndexError):
        return zh if lang == "zh" else en


def _show(value: Any, lang: str) -> str:
    if isinstance(value, list):
        return ", ".join(_show(v, lang) for v in value)
    if lang == "zh" and isinstance(value, str):
        return TYPE_NAMES["zh"].get(value, value)
    return str(value)
