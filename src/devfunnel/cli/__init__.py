"""The ``devfunnel`` command line: thin commands over the same services the API uses."""
