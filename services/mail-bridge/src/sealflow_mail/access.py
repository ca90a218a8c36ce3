"""Who may do what in the mail bridge: its API is the admin's view of what was sent and received; the
decisions it submits go to the approval service under the service role (submit.py), and the events it
receives are checked by their signature (sealkit.events), not by a user's token."""

from __future__ import annotations

from fastapi import Depends

from sealkit.auth import Role, require_roles

ADMINS: tuple[Role, ...] = ("admin",)  # read the mail logs

admin_only = Depends(require_roles(*ADMINS))
