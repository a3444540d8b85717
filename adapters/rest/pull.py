"""``rest-pull``: take new records from an HTTP+JSON feed by watermark, with requests.

Each poll asks the feed for the items after the watermark, page by page while pages come back
full. Items become records in order; the watermark (see :mod:`adapters.rest.pull_watermark`) is
written to ``port.checkpoints`` only after ``port.submit`` or ``port.reject`` returned, so a
crash, a stop or a broker outage at any point re-reads items rather than losing them (the hub
takes a re-read record as a duplicate of the same content).

Failures: a refused connection, a timeout or a 5xx/408/429 answer is a
:class:`TransientError` (the poll loop backs off and health goes down); any other non-2xx
answer or an answer without a list at ``items_path`` is a :class:`PermanentError` (logged,
health down, tried again after the back-off in case it was fixed at the system; the watermark
stays, so no item is skipped).

A page the hub's strict JSON reader (:func:`transforms.read_json`: duplicate keys, lone
surrogates, huge numbers, deep nesting, UTF-16 ...) refuses is refused as a whole (see
:mod:`adapters.rest.pull_refusal`): its body (bounded by ``max_message_bytes``) is handed to
``port.reject`` once, with the reader's reason code (``adapter.malformed`` or
``adapter.encoding``, the message starting with ``json.*``), so it is quarantined and the
system hears why; then the poll fails with a :class:`PermanentError` as above. The same page
served again at the same watermark is not quarantined again (its SHA-256 is kept in the
checkpoints); health stays down and the watermark stays before it until the page changes.

An item that cannot become a record (not a JSON object, no cursor, no record type, or refused
by :meth:`RestPullAdapter.transform`) is quarantined with ``port.reject`` and its JSON, and the
feed moves past it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import Message
from typing import Any, ClassVar

import requests

from adapters.rest.client import authorise, describe, send
from adapters.rest.json_paths import PathMissing, find
from adapters.rest.pull_config import RECORD_TYPE, RestPullConfig
from adapters.rest.pull_refusal import (
    REFUSED_PAGE_KEY,
    RefusedPage,
    bounded_page,
    page_digest,
)
from adapters.rest.pull_watermark import Watermark
from adapters.sdk import (
    AdapterConfig,
    InboundPort,
    InboundRecord,
    PermanentError,
    PollingInboundAdapter,
    RecordProblem,
    unreadable_json,
)
from transforms import TransformError, read_json, write_json

#: The checkpoint key the watermark is kept under.
WATERMARK_KEY = "watermark"

__all__ = ["REFUSED_PAGE_KEY", "WATERMARK_KEY", "ItemRefused", "RestPullAdapter", "RestPullConfig"]


class ItemRefused(PermanentError):
    """Raised by :meth:`RestPullAdapter.transform` when an item cannot become a record.

    Permanent for that item: it is quarantined with :attr:`problem` and the poll goes on.
    """

    def __init__(self, problem: RecordProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class _Item:
    """One feed item, read: a record to submit or a refusal, with its place in the feed."""

    raw: bytes
    cursor: str | None
    key: str
    record: InboundRecord | None = None
    problem: RecordProblem | None = None
    record_type: str | None = None


class RestPullAdapter(PollingInboundAdapter[RestPullConfig]):
    """Polls a JSON feed; subclasses may override :meth:`transform` to map each item's layout."""

    kind: ClassVar[str] = "rest-pull"
    mode = "rest"
    Config: ClassVar[type[AdapterConfig]] = RestPullConfig
    summary: ClassVar[str] = "Poll an HTTP+JSON feed for new records, by watermark."

    def __init__(self, config: RestPullConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self._session: requests.Session | None = None

    def start(self) -> None:
        """Check the credentials resolve (ConfigError if not), then start polling."""
        self._open()
        super().start()

    def stop(self) -> None:
        super().stop()
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def transform(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record to publish for ``record`` (the JSON object at ``record_path``).

        The default publishes it unchanged. Raise :class:`ItemRefused` to quarantine the item.
        """
        return record

    def poll(self) -> int:
        total = 0
        previous: list[str] = []
        while True:
            submitted, full, previous = self._take_page(previous)
            total += submitted
            if not full or self._stopping.is_set():
                return total

    def _open(self) -> requests.Session:
        """The HTTP session, opened on first use (``poll_once`` works without ``start``)."""
        if self._session is None:
            session = requests.Session()
            session.headers.update(self.config.headers)
            authorise(session, self.config.auth)
            self._session = session
        return self._session

    def _take_page(self, previous: list[str]) -> tuple[int, bool, list[str]]:
        """Take one page after the watermark: (records submitted, whether the page was full,
        the page's item keys). ``previous`` is the last page's keys in this poll: a feed serving
        the same full page again ignores the watermark (in inclusive mode a page may come back,
        and a full page with nothing new is the stall reported below)."""
        try:
            state = Watermark.loads(self.port.checkpoints.get(WATERMARK_KEY))
        except (TypeError, ValueError) as e:
            raise PermanentError(f"checkpoint {WATERMARK_KEY!r} is unreadable: {e}") from e
        items = [self._read(item) for item in self._fetch(state)]
        keys = [item.key for item in items]
        if keys and keys == previous and not self.config.cursor_inclusive:
            raise PermanentError(
                f"the feed answered the same full page for watermark {state.cursor!r}: does it "
                f"honour {self.config.since_param!r}, and is {self.config.cursor_field!r} the "
                "cursor it pages by?"
            )
        submitted = handled = 0
        run: list[InboundRecord] = []
        pending = state
        for item in items:
            if pending.seen(item.key):
                continue
            handled += 1
            if item.record is not None:
                run.append(item.record)
            else:
                submitted += self._submit(run, pending)
                run = []
                assert item.problem is not None
                self.port.reject(item.raw, item.problem, record_type=item.record_type,
                                 content_type="application/json")
            pending = pending.after(item.cursor, item.key, inclusive=self.config.cursor_inclusive)
            if item.record is None:
                self._save(pending)
        submitted += self._submit(run, pending)
        full = len(items) >= self.config.page_size
        if full and not handled:
            raise PermanentError(
                f"a full page of {len(items)} items brought nothing after watermark "
                f"{state.cursor!r}: more items share one cursor than page_size allows"
            )
        return submitted, full, keys

    def _submit(self, records: list[InboundRecord], state: Watermark) -> int:
        if records:
            self.port.submit(records)
            self._save(state)
        return len(records)

    def _save(self, state: Watermark) -> None:
        self.port.checkpoints.put(WATERMARK_KEY, state.dumps())

    def _fetch(self, state: Watermark) -> list[Any]:
        config = self.config
        session = self._open()
        authorise(session, config.auth)  # again each poll: a rotated secret is picked up
        params = {**config.params, config.limit_param: str(config.page_size)}
        since = state.cursor if state.cursor is not None else config.start_from
        if since is not None:
            params[config.since_param] = since
        response = send(session, "GET", config.url, params=params,
                        timeout=config.timeout_seconds, max_bytes=config.max_page_bytes)
        if not 200 <= response.status_code < 300:
            raise PermanentError(
                f"GET {config.url} answered {describe(response)} (check the URL, parameters "
                "and credentials)"
            )
        try:  # the hub's strict reader: a page it cannot trust item by item is not guessed at
            document = read_json(response.content, _charset(response))
        except TransformError as e:
            raise self._refuse_page(response.content, e, since) from e
        if self.port.checkpoints.get(REFUSED_PAGE_KEY):  # fixed at the system: forget it
            self.port.checkpoints.put(REFUSED_PAGE_KEY, "")
        try:
            items = find(document, config.items_path)
        except PathMissing as e:
            raise PermanentError(f"GET {config.url}: no item list: {e}") from e
        if not isinstance(items, list):
            raise PermanentError(
                f"GET {config.url}: {config.items_path or 'the answer'} is a "
                f"{type(items).__name__}, not a list"
            )
        return items

    def _refuse_page(self, body: bytes, error: TransformError, since: str | None) -> PermanentError:
        """Quarantine the page the reader refused with ``error``, unless this very page (same
        SHA-256, same watermark) already was; the error that fails the poll either way.

        The checkpoint is written after ``port.reject`` returned: a crash in between
        quarantines the page twice, never not at all."""
        config, digest = self.config, page_digest(body)
        where = f"GET {config.url} ({config.since_param}={since})"
        known = RefusedPage.loads(self.port.checkpoints.get(REFUSED_PAGE_KEY))
        if known is not None and known.same(digest, since):
            return PermanentError(f"{where}: the page refused with {error.code} is served "
                                  f"unchanged (quarantined as {known.message_id}); waiting for "
                                  "the system to fix it")
        kept, note = bounded_page(body, config.max_message_bytes)
        problem = unreadable_json(error.code, f"{error.message} (a page of the feed: {where}; "
                                  f"nothing after it is taken until it is fixed{note})", error.path)
        message_id = self.port.reject(kept, problem, record_type=config.record_type,
                                      content_type="application/json")
        self.port.checkpoints.put(REFUSED_PAGE_KEY, RefusedPage(digest, since, message_id).dumps())
        return PermanentError(f"{where}: a page the hub cannot read ({error.code}: "
                              f"{error.message}); quarantined as {message_id}, the system is told")

    def _read(self, item: Any) -> _Item:
        raw = write_json(item)
        key = "sha256:" + hashlib.sha256(raw).hexdigest()
        if not isinstance(item, dict):
            problem = RecordProblem(
                "adapter.malformed", f"a feed item is a JSON {_json_type(item)}, not an object"
            )
            return _Item(raw, None, key, problem=problem, record_type=self.config.record_type)
        config = self.config
        cursor = _scalar(item, config.cursor_field)
        ident = _scalar(item, config.id_field) if config.id_field else None
        if ident is not None:
            key = f"id:{ident}"
        record_type = config.record_type or _scalar(item, config.record_type_field or "")
        try:
            if cursor is None:
                raise _refusal("adapter.row_invalid", config.cursor_field, "no cursor")
            if record_type is None:
                raise _refusal("adapter.row_invalid", config.record_type_field, "no record type")
            if not RECORD_TYPE.match(record_type):
                raise _refusal("adapter.unsupported", config.record_type_field,
                               f"{record_type!r} is not a record type id")
            record = self._record_of(item)
        except ItemRefused as e:
            known_type = record_type if record_type and RECORD_TYPE.match(record_type) else None
            return _Item(raw, cursor, key, problem=e.problem, record_type=known_type)
        body = write_json(record)  # numbers exactly as the feed wrote them
        return _Item(raw, cursor, key, InboundRecord(body, record_type, source_message_id=ident))

    def _record_of(self, item: dict[str, Any]) -> dict[str, Any]:
        try:
            record = find(item, self.config.record_path)
        except PathMissing as e:
            raise _refusal("adapter.row_invalid", self.config.record_path, str(e)) from e
        if not isinstance(record, dict):
            raise _refusal("adapter.malformed", self.config.record_path,
                           f"the record is a JSON {_json_type(record)}, not an object")
        return self.transform(record)


def _charset(response: requests.Response) -> str | None:
    """The charset the answer's Content-Type names (None: the reader's UTF-8)."""
    header = Message()
    header["Content-Type"] = response.headers.get("Content-Type", "")
    return header.get_content_charset()


def _refusal(code: str, path: str | None, message: str) -> ItemRefused:
    return ItemRefused(RecordProblem(code, message, path or ""))


def _scalar(item: dict[str, Any], path: str) -> str | None:
    """The text of the string or number at ``path``; None when absent, empty or not a scalar."""
    try:
        value = find(item, path)
    except PathMissing:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value)
    return text or None


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
