"""Enterprise rules: the unified social credit code (GB 32100-2015) and what a review may decide."""

from __future__ import annotations

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid 18-character unified social credit code, or None (python-stdnum checks
    the format and the GB 32100-2015 check character)."""
    try:
        uscc.validate(code)
    except stdnum_errors.InvalidChecksum:
        return "the check character (GB 32100-2015) is wrong"
    except stdnum_errors.InvalidLength:
        return "a unified social credit code has 18 characters"
    except stdnum_errors.ValidationError:
        return "not a unified social credit code (digits and capital letters, no I, O, S, V or Z)"
    return None


def compact_credit_code(code: str) -> str:
    return str(uscc.compact(code))


def review_problem(*, status: str, decision: str, reason: str | None) -> str | None:
    """Why a review cannot be recorded: only pending enterprises are reviewed; a rejection needs a reason."""
    if decision == "reject" and not (reason or "").strip():
        return "a rejection needs a reason"
    if status != "pending":
        return f"the enterprise is already {status}"
    return None
