"""Catalogue bodies: categories and service items (docs/api.md "Catalogue")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from sealflow_orders.domain.catalog import form_schema_problem
from sealflow_orders.schemas.common import In
from sealkit.contracts.types import FreeJSON
from sealkit.outbound import OutboundUrl

Name = Annotated[str, Field(min_length=1, max_length=200)]


class CategoryIn(In):
    name: Name
    description: str = Field("", max_length=4000)


class CategoryOut(BaseModel):
    id: UUID
    name: str
    description: str


class Handling(In):
    steps: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(default_factory=list)
    location: str | None = Field(None, max_length=1000)
    notes: str | None = Field(None, max_length=4000)


class Material(In):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: Name
    required: StrictBool = True
    content_types: list[Annotated[str, Field(pattern=r"^[a-z0-9.+-]+/[a-z0-9.+-]+$")]] = Field(min_length=1)
    max_bytes: int = Field(ge=1, le=1024 * 1024 * 1024)
    min_pages: int | None = Field(None, ge=1, le=10_000)


class InternalProvider(In):
    kind: Literal["internal"]
    ticket_type: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class ThirdPartyProvider(In):
    kind: Literal["third_party"]
    name: Name
    url: OutboundUrl
    secret: str = Field(
        min_length=16, max_length=500, description="write-only: signs what the provider is sent"
    )


Provider = Annotated[InternalProvider | ThirdPartyProvider, Field(discriminator="kind")]


class Approver(In):
    # approval refuses mail approval without an address; refusing it here (and saying so in the
    # document) keeps an item from being saved that every order of would fail to open a request for
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"email_approval": {"const": True}}, "required": ["email_approval"]},
            "then": {"required": ["email"], "properties": {"email": {"type": "string"}}},
        }
    )
    id: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    email_approval: StrictBool = False

    @model_validator(mode="after")
    def _email_for_mail_approval(self) -> Approver:
        if self.email_approval and not self.email:
            raise ValueError("email_approval needs the approver's email")
        return self


class ApprovalGroup(In):
    name: Name
    mode: Literal["all", "any", "quorum"]
    min_approvals: int | None = Field(None, ge=1)
    approvers: list[Approver] = Field(min_length=1, max_length=100)


class ApprovalTemplate(In):
    combine: Literal["all", "any"] = "all"
    groups: list[ApprovalGroup] = Field(min_length=1, max_length=20)


class Reminder(In):
    when: str = Field(min_length=1, max_length=32)
    after_hours: float | None = Field(None, ge=0)
    before_hours: float | None = Field(None, ge=0)


class ItemIn(In):
    name: Name
    category_id: UUID
    description: str = Field("", max_length=20_000)
    handling: Handling = Field(default_factory=Handling)
    form_schema: FreeJSON = Field(default_factory=lambda: {"type": "object"})
    materials: list[Material] = Field(default_factory=list, max_length=50)
    provider: Provider
    approval: ApprovalTemplate | None = None
    reminders: list[Reminder] = Field(default_factory=list, max_length=20)
    active: StrictBool = True

    @field_validator("form_schema")
    @classmethod
    def _a_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = form_schema_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("materials")
    @classmethod
    def _unique_keys(cls, value: list[Material]) -> list[Material]:
        keys = [m.key for m in value]
        if len(set(keys)) != len(keys):
            raise ValueError("material keys must be unique")
        return value


class ProviderOut(BaseModel):
    kind: Literal["internal", "third_party"]
    ticket_type: str | None = None
    name: str | None = None
    url: str | None = None


class ItemOut(BaseModel):
    id: UUID
    name: str
    category_id: UUID
    description: str
    handling: Handling
    form_schema: dict[str, Any]
    materials: list[Material]
    provider: ProviderOut
    approval: ApprovalTemplate | None
    reminders: list[Reminder]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
