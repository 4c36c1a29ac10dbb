"""``python -m portlink.cli``: the same as the ``portlink`` command."""

from portlink.cli import main

main()
