"""Personal data never reaches a log: a filter that masks identity numbers in every record.

The hub's own messages name records by message id and credit code, never by a person; this is
the net under them, for what quotes an input (an error from a library, a destination's answer,
a traceback). Each record is rendered once, its message and exception text masked
(:func:`schemas.personal.masked_text`), and handed on already formatted
(``tests/security/test_log_masking.py``). Names cannot be found in free text: the hub's own log
lines never name a person, but a traceback that quotes a record can (docs/security.md lists it).
"""

from __future__ import annotations

import logging

from schemas.personal import masked_text


class MaskPersonalData(logging.Filter):
    """Masks resident identity numbers in a record's message, arguments and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Rendered once here and handed on rendered, so the handler does not format it again.
        record.msg, record.args = masked_text(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = masked_text(record.exc_text)
        if record.stack_info:
            record.stack_info = masked_text(record.stack_info)
        return True


def mask_personal_data_in_logs(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskPersonalData) for f in handler.filters):
            handler.addFilter(MaskPersonalData())
