"""Who may ask the information service what, for which purpose, and what they get to see.

The policy file (``HUB_INFORMATION_ACCESS``; YAML) lists the callers::

    callers:
      - id: service-hall                  # the audit trail's name for the caller
        token: env:HUB_INFO_TOKEN_SERVICE_HALL   # by reference, never inline
        purposes: [行政审批, 政务服务]        # what it may ask for (用途), exactly as stated
        operations: [profile, discipline_check, search_by_name]
        record_types: [enterprise_registration, administrative_licence, discipline_measure]
        fields:                             # optional, per record type: the payload fields it sees
          administrative_licence: [party.name, party.credit_code, licence_number, valid_to]
        personal: published                 # masked (default) | published | whole
        acts_for: [market, culture]         # departments it may run the discipline check for
        broker_user: dept-service-hall      # optional: its RabbitMQ user, for the AMQP door

Contract:
- a caller is known by its token alone (compared by SHA-256 digest in constant time); an
  unknown token is :class:`NotAuthenticated`, and which of the two it was is never said;
- over AMQP, a caller is known by its ``broker_user``: the broker user RabbitMQ authenticated
  the request's connection as (the ``user_id`` property, which RabbitMQ checks); a user no
  entry names is :class:`NotAuthenticated`;
- an operation, a purpose or a department the caller's entry does not name is
  :class:`QueryRefused` before anything is read;
- an answer leaves out every record of a type the entry does not name and, where ``fields``
  names some for a type, every other field of those records (``fields`` paths are dotted;
  a path keeps its whole subtree); personal data is then shown as ``personal`` says;
- ``search_by_person`` needs ``personal: whole`` as well as the operation.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from adapters.sdk.config import SecretRef, resolve_secret
from hub.information.answers import EntityProfile, RecordPage, Visibility
from hub.information.filing import FILED_TYPES
from hub.information.service import Caller, QueryRefused
from schemas.contract.errors import ConfigError, PermanentError

Operation = Literal["profile", "discipline_check", "search_by_name", "search_by_person"]
#: Shorter tokens can be guessed.
MIN_TOKEN_LENGTH = 16


class NotAuthenticated(PermanentError):
    """No caller has this token (or none was sent)."""

    code = "auth.unauthenticated"


class CallerPolicy(BaseModel):
    """One caller's entry in the policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$",
                    description="The caller's name in the audit trail (a system id, usually).")
    token: SecretRef = Field(description="Its bearer token, by reference (env: or file:).")
    purposes: tuple[str, ...] = Field(min_length=1, description="Purposes it may state (用途).")
    operations: tuple[Operation, ...] = Field(min_length=1)
    record_types: tuple[str, ...] = Field(min_length=1)
    fields: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    personal: Visibility = Visibility.MASKED
    acts_for: tuple[str, ...] = Field(
        default=(), description="Departments it may run the discipline check for; its own id "
        "always.")
    broker_user: str | None = Field(
        default=None, min_length=1, max_length=128,
        description="The RabbitMQ user whose requests to the AMQP door are this caller's.")

    @field_validator("record_types")
    @classmethod
    def _filed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(FILED_TYPES))
        if unknown:
            raise ValueError(f"record types the supervision database does not keep: {unknown}")
        return value

    def caller(self, purpose: str) -> Caller:
        return Caller(self.id, purpose, self.personal)

    def check(self, operation: Operation, purpose: str, department: str | None = None) -> None:
        """Refuse (:class:`QueryRefused`) what this entry does not allow."""
        if operation not in self.operations:
            raise QueryRefused(f"{self.id} may not ask {operation}")
        if purpose.strip() not in self.purposes:
            raise QueryRefused(f"{self.id} may not ask for the purpose {purpose.strip()!r}")
        if operation == "search_by_person" and self.personal is not Visibility.WHOLE:
            raise QueryRefused(f"{self.id} may not look people up by ID number")
        if department is not None and department not in (self.id, *self.acts_for):
            raise QueryRefused(f"{self.id} may not run the discipline check for {department}")

    def trimmed(self, profile: EntityProfile) -> EntityProfile:
        """``profile`` with only the record types and fields this caller may see."""
        changes: dict[str, Any] = {}
        for name, section in profile:
            if not isinstance(section, list) or not section or not hasattr(section[0], "payload"):
                continue
            kept = [record.model_copy(update={"payload": self.fields_of(record.record_type,
                                                                          record.payload)})
                    for record in section if record.record_type in self.record_types]
            changes[name] = kept
        if "enterprise_registration" not in self.record_types:
            changes["registered"], changes["deregistered_on"] = False, None
        return profile.model_copy(update=changes)

    def trimmed_page(self, page: RecordPage) -> RecordPage:
        """``page`` with only the record types and fields this caller may see."""
        kept = [record.model_copy(update={"payload": self.fields_of(record.record_type,
                                                                      record.payload)})
                for record in page.records if record.record_type in self.record_types]
        return page.model_copy(update={"records": kept})

    def fields_of(self, record_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        paths = self.fields.get(record_type)
        return payload if paths is None else _only(payload, [p.split(".") for p in paths])


def _only(document: Mapping[str, Any], paths: Sequence[Sequence[str]]) -> dict[str, Any]:
    """The parts of ``document`` the dotted ``paths`` name (each with its whole subtree)."""
    kept: dict[str, Any] = {}
    for key, value in document.items():
        below = [path[1:] for path in paths if path and path[0] == key]
        if not below:
            continue
        if any(not rest for rest in below) or not isinstance(value, Mapping):
            kept[key] = value
        else:
            kept[key] = _only(value, below)
    return kept


class AccessPolicy:
    """Every caller of the information service, found by token."""

    def __init__(self, callers: Sequence[CallerPolicy], *, resolve: bool = True) -> None:
        ids = [c.id for c in callers]
        if len(set(ids)) != len(ids):
            raise ConfigError("information access: a caller id appears twice")
        users = [c.broker_user for c in callers if c.broker_user is not None]
        if len(set(users)) != len(users):
            raise ConfigError("information access: a broker user belongs to two callers")
        self.callers = {c.id: c for c in callers}
        self._by_user = {c.broker_user: c for c in callers if c.broker_user is not None}
        self._by_digest: dict[bytes, CallerPolicy] = {}
        self._tokens: dict[str, SecretStr] = {}
        if resolve:
            for caller in callers:
                secret = resolve_secret(caller.token)
                self._tokens[caller.id] = secret
                token = secret.get_secret_value()
                if len(token) < MIN_TOKEN_LENGTH:
                    raise ConfigError(f"information access: {caller.id}'s token is shorter "
                                      f"than {MIN_TOKEN_LENGTH} characters")
                digest = _digest(token)
                if digest in self._by_digest:
                    raise ConfigError(f"information access: {caller.id} shares a token")
                self._by_digest[digest] = caller

    @classmethod
    def load(cls, path: Path, *, resolve: bool = True) -> AccessPolicy:
        """Read and validate a policy file; with ``resolve``, every token reference must resolve
        (:class:`ConfigError` naming the caller and the reference, never a token)."""
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            callers = [CallerPolicy.model_validate(c) for c in document.get("callers", [])]
        except (OSError, yaml.YAMLError, AttributeError, ValidationError) as e:
            raise ConfigError(f"information access file {path}: {e}") from e
        return cls(callers, resolve=resolve)

    def authenticate(self, token: str | None) -> CallerPolicy:
        """The caller whose token this is; :class:`NotAuthenticated` otherwise."""
        if not token:
            raise NotAuthenticated("no credentials")
        digest = _digest(token)
        for known, caller in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return caller
        raise NotAuthenticated("unknown credentials")

    def passwords(self) -> dict[str, SecretStr]:
        """Each caller's token by caller id, for a door that checks a digest made with it (a
        WS-Security PasswordDigest) rather than the token itself."""
        return dict(self._tokens)

    def by_broker_user(self, user: str | None) -> CallerPolicy:
        """The caller whose requests come from broker user ``user`` (the ``user_id`` the broker
        checked); :class:`NotAuthenticated` when there is none or no entry names it."""
        caller = self._by_user.get(user or "")
        if caller is None:
            raise NotAuthenticated("no caller has this broker user" if user
                                   else "no user_id on the request")
        return caller


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()
