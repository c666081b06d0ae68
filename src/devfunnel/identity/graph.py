"""Connected components of identity keys, honouring "never merge" pairs.

A person is a component of the identity graph. Deterministic evidence (same event, alias,
identify) adds edges; a block ("never merge these two") forbids any union that would put
its two keys in one component. Union-find with path halving keeps this linear enough for a
full demo load (hundreds of thousands of keys) in well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


class IdentityGraph:
    """Union-find over identity keys with blocked pairs."""

    def __init__(self, blocks: Iterable[tuple[str, str]] = ()) -> None:
        self._parent: dict[str, str] = {}
        self._blocks: dict[str, set[str]] = defaultdict(set)
        for a, b in blocks:
            self._blocks[a].add(b)
            self._blocks[b].add(a)
        #: For each root, the blocked partner keys of its members (only where blocks exist).
        self._root_blocks: dict[str, set[str]] = {}
        for key in list(self._blocks):
            self.add(key)
        #: Edges that were refused because of a block, for reporting.
        self.refused: list[tuple[str, str]] = []

    def add(self, key: str) -> None:
        if key not in self._parent:
            self._parent[key] = key
            if key in self._blocks:
                self._root_blocks[key] = set(self._blocks[key])

    def find(self, key: str) -> str:
        parent = self._parent
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(self, a: str, b: str) -> bool:
        """Join the components of ``a`` and ``b`` unless a block forbids it."""
        self.add(a)
        self.add(b)
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        blocked_a = self._root_blocks.get(ra)
        blocked_b = self._root_blocks.get(rb)
        if blocked_a or blocked_b:
            members_a = {k for k in (blocked_b or ()) if self.find(k) == ra}
            members_b = {k for k in (blocked_a or ()) if self.find(k) == rb}
            if members_a or members_b:
                self.refused.append((a, b))
                return False
        self._parent[rb] = ra
        if blocked_b:
            self._root_blocks.setdefault(ra, set()).update(blocked_b)
            del self._root_blocks[rb]
        return True

    def components(self) -> dict[str, list[str]]:
        """Root -> member keys, for every key added."""
        groups: dict[str, list[str]] = defaultdict(list)
        for key in self._parent:
            groups[self.find(key)].append(key)
        return dict(groups)

    def __contains__(self, key: object) -> bool:
        return key in self._parent

    def __len__(self) -> int:
        return len(self._parent)
