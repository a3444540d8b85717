"""The ``rest`` exchange mode: HTTP+JSON in (pull, push) and out (POST/PUT)."""
