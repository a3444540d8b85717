"""The ``file`` exchange mode: batches a department drops or uploads, and files it takes back.

- Readers (:mod:`~adapters.file.csv_reader`, :mod:`~adapters.file.xlsx_reader`,
  :mod:`~adapters.file.xml_reader`) stream one batch file in constant memory and yield one
  :class:`~adapters.file.file_rows.Row` per record: a record dict in unified field names (CSV, xlsx:
  columns mapped by a :class:`~adapters.file.columns.ColumnMap`), one record's XML (XML batches),
  or the :class:`~adapters.sdk.RecordProblem` that makes the row unusable. A file that cannot be
  read at all raises :class:`~adapters.file.file_rows.FileUnusable`.
- :mod:`~adapters.file.importer` submits a file's rows in confirmed chunks through an
  :class:`~adapters.sdk.InboundPort`, with progress in the port's checkpoints so an interrupted
  import resumes after the last confirmed chunk, and a per-row error report.
- ``file-drop`` (:mod:`~adapters.file.drop`) watches a folder and imports each complete file;
  ``file-export`` (:mod:`~adapters.file.export`) writes each delivered envelope as a JSON file;
  ``hub import`` (``hub/app/cli/import_cmd.py``) imports one file from the command line.
"""

# Import the modules directly (the registry does).
__all__ = [
    "columns",
    "completion",
    "csv_reader",
    "drop",
    "drop_config",
    "encodings",
    "error_report",
    "export",
    "file_rows",
    "importer",
    "readers",
    "xlsx_reader",
    "xml_reader",
]
