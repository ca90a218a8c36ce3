"""Access rules have one home: every role check of the service is in its access.py."""

from __future__ import annotations

import sealflow_orders
from sealkit.testing import assert_role_checks_in_access


def test_every_role_check_is_in_access_py() -> None:
    assert_role_checks_in_access(sealflow_orders)
