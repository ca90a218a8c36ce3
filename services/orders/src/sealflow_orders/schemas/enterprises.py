"""Enterprise bodies (docs/api.md "Enterprises")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from sealflow_orders.domain.enterprises import compact_credit_code, credit_code_problem
from sealflow_orders.schemas.common import In


class EnterpriseIn(In):
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(
        min_length=1, max_length=40, description="18-character unified social credit code"
    )
    certificate_file_id: UUID

    @field_validator("credit_code")
    @classmethod
    def _valid_code(cls, value: str) -> str:
        problem = credit_code_problem(value)
        if problem:
            raise ValueError(problem)
        return compact_credit_code(value)


class ReviewIn(In):
    decision: Literal["verify", "reject"]
    reason: str | None = Field(None, max_length=4000)


class EnterpriseOut(BaseModel):
    id: UUID
    name: str
    credit_code: str
    certificate_file_id: UUID
    status: Literal["pending", "verified", "rejected"]
    reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    created_by: str
    created_at: datetime
    members: list[str]
