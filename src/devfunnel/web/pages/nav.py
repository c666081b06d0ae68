"""The navigation registry: pages add themselves to the top bar or to Settings.

A page module calls :func:`register` (top bar) or :func:`register_settings` (the Settings
side menu) when it is imported, so the shell links only to pages that exist, and each
link shows only to the callers its ``visible`` check admits. The ``order`` numbers leave
room between the pages the dashboard will have:

=====  ==========  =====  ==========
order  top bar     order  Settings
=====  ==========  =====  ==========
0      Home        10     Users
10     Accounts    20     API keys
20     Journey     30     Audit log
30     Pipeline    40     Alert destinations
40     Handoffs    50     CRM connections
50     People      90     Configuration
90     Settings
=====  ==========  =====  ==========
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from devfunnel.admin.permissions import Principal, can_manage, can_read


@dataclass(frozen=True)
class NavItem:
    """A link: ``key`` names it (``active`` in templates), ``path`` is where it goes;
    paths below ``path`` count as inside it."""

    key: str
    label: str
    path: str
    order: int
    visible: Callable[[Principal], bool] = field(default=can_read, compare=False)

    def contains(self, path: str) -> bool:
        if self.path == "/":
            return path == "/"
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


_TOP: dict[str, NavItem] = {}
_SETTINGS: dict[str, NavItem] = {}


def register(item: NavItem) -> NavItem:
    """Add (or replace, by ``key``) a link in the top bar."""
    _TOP[item.key] = item
    return item


def register_settings(item: NavItem) -> NavItem:
    """Add (or replace, by ``key``) a section of Settings; admins only by default."""
    if item.visible is can_read:
        item = NavItem(item.key, item.label, item.path, item.order, can_manage)
    _SETTINGS[item.key] = item
    return item


def top_nav(principal: Principal) -> list[NavItem]:
    return sorted((i for i in _TOP.values() if i.visible(principal)), key=lambda i: i.order)


def settings_nav(principal: Principal) -> list[NavItem]:
    return sorted((i for i in _SETTINGS.values() if i.visible(principal)), key=lambda i: i.order)


def active_key(items: list[NavItem], path: str) -> str | None:
    """The key of the item ``path`` is inside (the longest match wins)."""
    inside = [i for i in items if i.contains(path)]
    return max(inside, key=lambda i: len(i.path)).key if inside else None
