"""``python -m impactlab``: the same as the ``impactlab`` command."""

from impactlab.cli import main

main()
