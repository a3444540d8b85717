"""``python -m hub.cli`` is the ``hub`` command."""

from hub.cli import main

main()
