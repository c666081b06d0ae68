"""``python -m devfunnel``: the same as the ``devfunnel`` command."""

from devfunnel.cli.main import run

# Guarded: the demo's worker processes start by importing the main module.
if __name__ == "__main__":
    run()
