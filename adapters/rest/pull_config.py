"""The options of ``rest-pull``: where the feed is, how it pages, where the watermark lives."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from adapters.rest.client import HttpAuth, check_http_url
from adapters.rest.json_paths import check_path
from adapters.sdk import AdapterConfig

#: Headers that carry credentials: they belong in ``auth`` (by reference), never in ``headers``.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})

#: A record type as it may appear in a routing key (``<system>.<record_type>``).
RECORD_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class RestPullConfig(AdapterConfig):
    """Poll an HTTP+JSON feed: ``GET url?<since_param>=<watermark>&<limit_param>=<page_size>``.

    The feed answers a JSON document holding a list of items (at ``items_path``), in ascending
    cursor order, each after the watermark (or at it and after, with ``cursor_inclusive``).
    """

    url: str = Field(description="The feed's URL (http or https), without the paging parameters.")
    auth: HttpAuth | None = Field(
        default=None,
        description="Credentials: {type: bearer, token: env:NAME} or "
        "{type: basic, username: NAME, password: env:NAME}.",
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra request headers (never credentials)."
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="Extra query parameters sent with every request."
    )
    timeout_seconds: float = Field(default=10.0, gt=0, description="Connect and read timeout.")
    poll_seconds: float = Field(
        default=30.0, gt=0, description="Wait between polls when the feed has nothing new."
    )
    since_param: str = Field(
        default="since", min_length=1, description="Query parameter carrying the watermark."
    )
    limit_param: str = Field(
        default="limit", min_length=1, description="Query parameter carrying the page size."
    )
    page_size: int = Field(
        default=100, ge=1, le=10_000,
        description="Items asked for per request; a full page means more may be waiting.",
    )
    items_path: str = Field(
        default="items",
        description="Dotted path to the list of items in the answer ('' when the answer is "
        "the list itself).",
    )
    record_path: str = Field(
        default="",
        description="Dotted path to the record inside each item ('' when the item is the "
        "record itself).",
    )
    cursor_field: str = Field(
        min_length=1,
        description="Dotted path in each item to its cursor: a sequence number or updated-at "
        "time. The last one taken becomes the watermark.",
    )
    cursor_inclusive: bool = Field(
        default=False,
        description="The feed answers items at the watermark as well as after it (needed when "
        "cursors are not unique, such as updated-at times); requires id_field.",
    )
    id_field: str | None = Field(
        default=None,
        description="Dotted path in each item to its id at the system; sent as the source "
        "message id and used to skip items already taken.",
    )
    record_type: str | None = Field(
        default=None, description="Record type of every item (or give record_type_field)."
    )
    record_type_field: str | None = Field(
        default=None, description="Dotted path in each item to its record type."
    )
    max_page_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0,
        description="Largest answer read for one page; a bigger one is refused unread (the "
        "adapter's health goes down and the page is asked for again at the next poll).",
    )
    max_message_bytes: int = Field(
        default=1_048_576, gt=0,
        description="The hub's max_message_bytes (keep them equal): a page the hub's JSON reader "
        "refuses is quarantined whole up to this size, beyond it as its first 4096 bytes "
        "(the reason gives its length and SHA-256).",
    )
    start_from: str | None = Field(
        default=None,
        description="Watermark for the very first poll (unset: the feed from its start).",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("headers")
    @classmethod
    def _no_credentials(cls, value: dict[str, str]) -> dict[str, str]:
        inline = sorted(name for name in value if name.lower() in CREDENTIAL_HEADERS)
        if inline:
            raise ValueError(f"{', '.join(inline)}: credentials go in auth, by reference")
        return value

    @field_validator("items_path", "record_path", "cursor_field", "id_field", "record_type_field")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return value if value is None else check_path(value)

    @field_validator("record_type")
    @classmethod
    def _record_type(cls, value: str | None) -> str | None:
        if value is not None and not RECORD_TYPE.match(value):
            raise ValueError(f"{value!r} is not a record type id (lower case, digits, _)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RestPullConfig:
        if (self.record_type is None) == (self.record_type_field is None):
            raise ValueError("give exactly one of record_type and record_type_field")
        if self.cursor_inclusive and self.id_field is None:
            raise ValueError("cursor_inclusive needs id_field, to skip items already taken")
        return self
