"""Personal data in the unified standard: which fields hold it, how it is masked, and what
each reader and destination may see (个人信息保护法; 等保 2.0 level 3).

The marks live on the models (:mod:`schemas.types.personal_marks`); this package reads them.
"""

from schemas.personal.classification import (
    PersonalField,
    PersonalValue,
    fields_for,
    personal_fields,
    personal_values,
)
from schemas.personal.disclosure import (
    Disclosure,
    disclose,
    masked_json_body,
    masked_text,
    masked_view,
)
from schemas.personal.masks import (
    mask,
    mask_id_number,
    mask_id_numbers_in_text,
    mask_name,
)
from schemas.types.personal_marks import PersonalKind

__all__ = [
    "Disclosure",
    "PersonalField",
    "PersonalKind",
    "PersonalValue",
    "disclose",
    "fields_for",
    "mask",
    "mask_id_number",
    "mask_id_numbers_in_text",
    "mask_name",
    "masked_json_body",
    "masked_text",
    "masked_view",
    "personal_fields",
    "personal_values",
]
