"""Free text with the standard's column sizes: non-empty, at most N characters.

Sizes follow the typical columns of the 双公示 template (names 200, document numbers 64 or 128,
contents 2000-5000); a corrected size is a change of the one alias used by the field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Text20 = Annotated[str, Field(min_length=1, max_length=20)]
Text50 = Annotated[str, Field(min_length=1, max_length=50)]
Text64 = Annotated[str, Field(min_length=1, max_length=64)]
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Text128 = Annotated[str, Field(min_length=1, max_length=128)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Text500 = Annotated[str, Field(min_length=1, max_length=500)]
Text2000 = Annotated[str, Field(min_length=1, max_length=2000)]
Text4000 = Annotated[str, Field(min_length=1, max_length=4000)]
Text5000 = Annotated[str, Field(min_length=1, max_length=5000)]
