"""Dependency aliases every orders router uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from sealflow_orders.access import ADMIN, FIGURES, STAFF
from sealkit.auth import Principal, require_roles

Admin = Annotated[Principal, Depends(require_roles(*ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(*STAFF))]
Figures = Annotated[Principal, Depends(require_roles(*FIGURES))]
Enterprise = Annotated[Principal, Depends(require_roles("enterprise"))]
