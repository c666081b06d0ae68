"""The store: schema, migrations, backends, and the write and bulk-append paths."""

from devfunnel.store.store import Store

__all__ = ["Store"]
