"""The hub's one error tree, split by what the runtime does with each error.

- :class:`ConfigError` stops start-up with a clear message (exit code 2 from the CLI).
- :class:`TransientError` is retried with backoff: the broker is away, a confirm timed out.
- :class:`PermanentError` is never retried: the message goes to quarantine or a dead-letter
  queue with its reason and original body.

Every exception the project raises for a runtime decision derives from :class:`HubError`
through exactly one of the three branches (``tests/schemas/test_error_tree.py`` checks it).
Other packages define their own subclasses next to the code that raises them; this module
imports none of them (it is the ground layer), so the whole tree is listed here:

=================  ======================================================  ===========
package            class (module)                                          branch
=================  ======================================================  ===========
schemas.contract   BrokerUnavailable, PublishNotConfirmed (this module)    Transient
schemas            UnknownSchemaVersion, UnknownRecordType                 Permanent
                   (record_registry; also ``LookupError``)
transforms         TransformError (transform_errors)                       Permanent
transforms         MappingFileError (transform_errors)                     Config
transforms         CharsetMismatch (charsets)                              Permanent
routes             RouteConfigError (findings)                             Config
routes             FileProblem (yamlio), ResolverOptionError (resolvers)   Config
adapters.sdk       re-exports ConfigError, TransientError, PermanentError  (all three)
                   (adapter_errors) for third-party adapters
adapters.sdk       NotRegularFile (regular_files)                          Permanent
adapters           FileUnusable (file.file_rows), ItemRefused, PathMissing Permanent
                   (rest.pull, rest.json_paths), SoapFault (soap.soap11),
                   PushFailed (simulators.rest_system)
hub.crypto         KeyNotInKeyring (sm4)                                   Config
hub.crypto         SealBroken (sm4)                                        Permanent
hub.journal        JournalUnavailable (journal_errors)                     Transient
hub.journal        JournalClosed, RecordsRefused (journal_errors)          Permanent
hub.review         Undecidable (verification)                              Permanent
hub.information    NotFiled (filing), BadQuery, QueryRefused (service),    Permanent
                   NotAuthenticated (access)
hub.app.http       NotAuthenticated, NotAllowed (auth),                    Permanent
                   NotFound (error_responses), _Refused (guard)
monitor            MetricsDirectoryError (process)                         Config
monitor            ReconciliationError (report)                            Permanent
=================  ======================================================  ===========

A few private exceptions (leading underscore) never leave the module that raises them and are
outside the tree; the test lists each with its reason.

Raise with ``from e`` so the original cause stays in the log.
"""

from __future__ import annotations

from pydantic import ValidationError


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class ConfigError(HubError):
    """The configuration, a route file, a mapping or the systems catalogue is wrong."""


class TransientError(HubError):
    """A failure that may succeed if tried again later."""


class BrokerUnavailable(TransientError):
    """The message broker cannot be reached or dropped the connection."""


class PublishNotConfirmed(TransientError):
    """The broker refused (nacked), returned or did not confirm a published message in time."""


class PermanentError(HubError):
    """A failure that will not go away by retrying the same message."""


def validation_summary(error: ValidationError) -> str:
    """A configuration model's validation failure as one line: ``key: problem; key: problem``.

    Never the offending values: pydantic's own text repeats each input, and a credential
    written inline where a reference (``env:``/``file:``) belongs would be printed with it.
    """
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '<top>'}: "
        f"{item['msg'].removeprefix('Value error, ')}"
        for item in error.errors(include_url=False, include_input=False)
    )
