"""``python -m pipeline`` runs the ``newswire`` command."""

from pipeline.cli import main

main()
