"""Subscriptions to credit records (``routes/data/credit_subscriptions.yaml``).

Departments told the project evaluation they ignore pushed data they did not ask for, so
credit records go only to systems that subscribed, optionally to some categories only.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from routes.yamlio import read_model

FILE_NAME = "credit_subscriptions.yaml"


class Subscription(BaseModel):
    """One subscriber and the credit-record categories it wants (omitted = every category)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(description="System id of the subscriber.")
    categories: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Credit-record categories wanted; omitted = all.",
    )
    reason: str = Field(
        min_length=1, description="Why the system receives credit records."
    )


class SubscriptionList(BaseModel):
    """The whole subscription file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subscribers: list[Subscription] = Field(
        description="The subscribers, in delivery order."
    )


def load_subscriptions(data_dir: Path) -> SubscriptionList:
    """Read and validate the subscriptions from ``data_dir`` (raises ``FileProblem``)."""
    return read_model(data_dir / FILE_NAME, SubscriptionList)
