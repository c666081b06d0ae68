"""``python -m devfunnel``: the same as the ``devfunnel`` command."""

from devfunnel.cli.main import run

run()
