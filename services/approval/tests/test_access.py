"""Access rules have one home: every role check of the approval service is in access.py."""

from __future__ import annotations

import re
from pathlib import Path

import sealflow_approval

SOURCE = Path(sealflow_approval.__file__).parent
ROLE_CHECK = re.compile(r"\.has\(|require_roles\(|\.roles\b")


def test_every_role_check_is_in_access_py() -> None:
    elsewhere = [
        f"{path.relative_to(SOURCE)}:{number}"
        for path in SOURCE.rglob("*.py")
        if path.name != "access.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_CHECK.search(line)
    ]
    assert elsewhere == [], "role checks outside access.py"
