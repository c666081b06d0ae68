"""Company domains from emails: free mail and disposable domains never name a company."""

from __future__ import annotations

import pytest

from devfunnel.identity.domains import DomainClassifier, domain_from_url, name_from_domain


@pytest.fixture
def classifier() -> DomainClassifier:
    return DomainClassifier(extra_personal=["corp-mail.example"])


@pytest.mark.parametrize(
    "email", ["jane@gmail.com", "x@outlook.com", "x@protonmail.com", "x@mailinator.com",
              "x@10minutemail.com", "x@corp-mail.example"])  # fmt: skip
def test_personal_and_disposable_domains_name_no_company(
    classifier: DomainClassifier, email: str
) -> None:
    assert classifier.company_domain(email) is None


def test_maintained_lists_are_large(classifier: DomainClassifier) -> None:
    from devfunnel.identity.domains import _builtin_personal

    assert len(_builtin_personal()) > 10_000


@pytest.mark.parametrize(
    ("email", "domain"),
    [("jane@acme.io", "acme.io"), ("JANE@Eng.Acme.co.uk", "acme.co.uk"),
     ("a@mail.sub.example.com", "example.com"), ("a@alice.github.io", "alice.github.io")],
)  # fmt: skip
def test_company_domain_is_the_registrable_domain(
    classifier: DomainClassifier, email: str, domain: str
) -> None:
    assert classifier.company_domain(email) == domain


def test_a_bare_public_suffix_is_not_a_company(classifier: DomainClassifier) -> None:
    assert classifier.company_domain("x@co.uk") is None


def test_domain_from_url_and_names() -> None:
    assert domain_from_url("https://www.Acme.com/about?x=1") == "acme.com"
    assert domain_from_url("acme.io") == "acme.io"
    assert domain_from_url("localhost") is None
    assert name_from_domain("blue-fin.io") == "Blue Fin"
