"""``python -m hub.app.cli`` is the ``hub`` command."""

from hub.app.cli import main

main()
