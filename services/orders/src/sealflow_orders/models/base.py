"""The orders service's own MetaData, so its tables never mix with another service's in one process."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
