"""The :class:`~adapters.rest.webhook.Webhook` as a door of the hub's HTTP server
(:mod:`adapters.sdk.http_server`: uvicorn, TLS, deadline, size and concurrency limits).

``POST`` is decided from its headers first (address, bearer token, Content-Length): a request
refused there is answered before one byte of its body is read. ``GET`` serves the health
endpoint; other methods are 405. Every answer is JSON.
"""

from __future__ import annotations

import json
from email.message import Message

from adapters.rest.webhook import Answer, Webhook, error
from adapters.sdk.http_door import HttpAnswer, HttpRequest


class WebhookDoor:
    """Adapts HTTP requests to the :class:`Webhook` (a :class:`~adapters.sdk.http_door.Door`)."""

    def __init__(self, webhook: Webhook) -> None:
        self.webhook = webhook

    def admit(self, request: HttpRequest) -> HttpAnswer | None:
        if request.method == "GET":
            return _json(self.webhook.get(request.path))
        if request.method != "POST":
            return _json(error(405, "http.method_not_allowed", "use POST",
                               headers={"Allow": "POST"}))
        answer = self.webhook.admit(request.path, _message(request))
        return None if answer is None else _json(answer)

    def handle(self, request: HttpRequest) -> HttpAnswer:
        return _json(self.webhook.take(request.path, _message(request), request.body))

    def failed(self) -> HttpAnswer:
        return _json(error(500, "http.internal", "the webhook failed; try again later"))


def _message(request: HttpRequest) -> Message:
    """The headers as an ``email.message.Message`` (case-insensitive, with the charset)."""
    message = Message()
    for name, value in request.headers.items():
        message[name] = value
    return message


def _json(answer: Answer) -> HttpAnswer:
    data = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
    return HttpAnswer(answer.status, data, "application/json; charset=utf-8", answer.headers)
