"""The post-registration approval list (后置审批事项目录) used by dual notification (双告知).

The list is data (``routes/data/post_registration_approvals.yaml``): each approval item has
match keywords and the department(s) that approve it. A licensed item (许可经营项目) of a
registration matches an approval when one of its keywords occurs in the item's text after
normalisation (NFKC, so full-width brackets and letters compare equal, and no whitespace).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from routes.yamlio import read_model

FILE_NAME = "post_registration_approvals.yaml"


def normalise(text: str) -> str:
    """Text as compared for matching: NFKC and without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


class Approval(BaseModel):
    """One post-registration approval item and who approves it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str = Field(min_length=1, description="Name of the approval item (审批事项).")
    keywords: list[str] = Field(
        min_length=1,
        description="Texts whose presence in a licensed item means a match.",
    )
    departments: list[str] = Field(
        min_length=1, description="System ids of the approving department(s)."
    )
    confirmed: bool = Field(
        default=False, description="True once the department confirmed the mapping."
    )

    @field_validator("keywords")
    @classmethod
    def _keywords_not_blank(cls, keywords: list[str]) -> list[str]:
        if any(not normalise(keyword) for keyword in keywords):
            raise ValueError("a keyword is blank")
        return keywords


class ApprovalList(BaseModel):
    """The whole approval list file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Literal["unconfirmed", "confirmed"] = Field(
        description="Whether the departments confirmed the list."
    )
    note: str = Field(
        description="Where the list comes from and what is still to confirm."
    )
    approvals: list[Approval] = Field(min_length=1, description="The approval items.")

    @field_validator("approvals")
    @classmethod
    def _items_unique(cls, approvals: list[Approval]) -> list[Approval]:
        names = [approval.item for approval in approvals]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"approval items listed twice: {', '.join(duplicates)}")
        return approvals


@dataclass(frozen=True)
class ApprovalHit:
    """A licensed item matched an approval through one keyword."""

    approval: Approval
    keyword: str


def load_approvals(data_dir: Path) -> ApprovalList:
    """Read and validate the approval list from ``data_dir`` (raises ``FileProblem``)."""
    return read_model(data_dir / FILE_NAME, ApprovalList)


def match_item(approvals: ApprovalList, licensed_item: str) -> Iterator[ApprovalHit]:
    """Every approval matched by ``licensed_item`` (first matching keyword of each), in file order."""
    text = normalise(licensed_item)
    for approval in approvals.approvals:
        keyword = next((k for k in approval.keywords if normalise(k) in text), None)
        if keyword is not None:
            yield ApprovalHit(approval, keyword)
