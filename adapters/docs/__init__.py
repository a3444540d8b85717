"""Adapter docs generated from each adapter's ``Config`` model (and the scaffold's templates).

- :func:`options` / :func:`options_table`: a config model's options (name, type, default,
  required, description, secret reference) as rows or as a markdown table;
- :func:`reference`: the reference section of ``docs/adapters.md``, one table per built-in
  adapter, with a visible note for an adapter whose module does not import;
- ``python -m adapters.docs --write docs/adapters.md`` rewrites the generated regions (the
  reference and the worked examples); ``--check FILE`` exits 1 when FILE is stale.
"""

from adapters.docs.generate import (
    REFERENCE,
    adapter_section,
    everything,
    examples,
    reference,
    refresh,
)
from adapters.sdk.options import (
    SECRET_TYPE,
    Option,
    is_secret_reference,
    models_in,
    options,
    options_table,
    type_name,
)
from schemas.generate.doc_regions import regions_in

__all__ = [
    "REFERENCE",
    "SECRET_TYPE",
    "Option",
    "adapter_section",
    "everything",
    "examples",
    "is_secret_reference",
    "models_in",
    "options",
    "options_table",
    "reference",
    "refresh",
    "regions_in",
    "type_name",
]
