"""feedback: what the hub sends back to a source about one of its records (归集信息反馈)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, WithJsonSchema

from schemas.record_types import RECORD_TYPES
from schemas.types import CreditCode, StdDateTime, SystemId, Text64, Text128, Text4000
from schemas.v1.standard_model import StandardModel

#: What the hub made of the record a feedback is about (a Literal, not an enum, so the published
#: JSON Schema and XSD of the feedback record stay as they are).
FeedbackStatus = Literal["rejected", "repaired", "review", "accepted"]

_REASON_CODE_PATTERN = "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$"
RecordTypeId = Annotated[
    Literal[RECORD_TYPES],  # type: ignore[valid-type]
    WithJsonSchema({"type": "string", "enum": list(RECORD_TYPES)}),
]
# A path may be "" (the whole record), so it is not a non-empty text.
FieldPath = Annotated[str, Field(max_length=500)]


class FeedbackProblem(StandardModel):
    """问题: one reason a record was rejected or sent to review."""

    code: Text64 = Field(
        pattern=_REASON_CODE_PATTERN, description="原因代码: reason code (schemas.REASON_CODES)."
    )
    path: FieldPath = Field(description="字段路径: dotted field path; empty for the whole record.")
    message: Text4000 = Field(description="说明: explanation for people.")


class FeedbackRepair(StandardModel):
    """修复: one change the hub made to a value, reported as a data-quality problem."""

    code: Text64 = Field(pattern=_REASON_CODE_PATTERN, description="修复代码: repair kind.")
    path: FieldPath = Field(description="字段路径: dotted path of the repaired field.")
    original: Annotated[str, Field(max_length=2000)] = Field(description="原值: value as sent.")
    repaired: Annotated[str, Field(max_length=2000)] = Field(description="修复值: value used.")


class Feedback(StandardModel):
    """归集信息反馈: the verdict on one source record, addressed to its source."""

    FILING_PATH: ClassVar[str | None] = "credit_code"

    feedback_id: Text64 = Field(description="反馈编号: id of this feedback.")
    regarding_message_id: Text128 = Field(
        description="原消息编号: hub message id of the record this is about."
    )
    regarding_correlation_id: Text128 | None = Field(
        default=None, description="关联编号: correlation id of the exchange."
    )
    regarding_source_message_id: Text128 | None = Field(
        default=None, description="来源消息编号: the source's own id for the record."
    )
    source: SystemId = Field(description="来源系统: system id of the source addressed.")
    record_type: RecordTypeId | None = Field(
        default=None, description="记录类型: record type, when the source's record had a known one."
    )
    status: FeedbackStatus = Field(
        description="处理结果: rejected, repaired, review or accepted."
    )
    problems: list[FeedbackProblem] | None = Field(
        default=None, description="问题: the problems found."
    )
    repairs: list[FeedbackRepair] | None = Field(
        default=None, description="修复: the repairs made."
    )
    credit_code: CreditCode | None = Field(
        default=None, description="统一社会信用代码: the credit code the record is filed under."
    )
    issued_at: StdDateTime = Field(description="反馈时间: when the feedback was issued (ISO 8601).")
