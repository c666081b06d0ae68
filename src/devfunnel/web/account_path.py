"""The ``{id_or_domain:account}`` path segment: an account's id, domain, host or website URL.

An account may be named in a path by id (``/accounts/01963a4e-.../journey``), domain or
host (``acme.com``, ``eng.acme.com``) or website URL (``https://www.acme.com/``). A URL
brings slashes of its own, so the segment cannot be Starlette's one-segment ``str``; nor
can it be ``path``, which takes the rest of the path and so read ``acme.com/bogus`` or
``https://acme.com/journey`` as the account itself. This convertor takes one segment,
optionally preceded by a scheme (``https://``) and followed by one slash: the URL's path
is never part of it, so whatever follows is a sub-resource (``/journey``), and an unknown
one is a 404 rather than the account.

``https:/acme.com`` (a proxy such as nginx merging the URL's ``//``) is read as
``https://acme.com``. Lookups reduce the value to a registrable domain
(``identity.lookup.normalise_account_ref``).
"""

from __future__ import annotations

import re

from starlette.convertors import Convertor, register_url_convertor

#: What a route writes after the parameter's name: ``/accounts/{id_or_domain:account}``.
NAME = "account"

_MERGED_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*:)/(?!/)")


class AccountPath(Convertor[str]):
    """One segment, or a scheme and a host; a trailing slash is part of a URL."""

    regex = r"(?:[A-Za-z][A-Za-z0-9+.\-]*:/{1,2})?[^/]+/?"

    def convert(self, value: str) -> str:
        return _MERGED_SCHEME.sub(r"\1//", value)

    def to_string(self, value: str) -> str:
        return value


register_url_convertor(NAME, AccountPath())
