"""Connected components of identity keys, and "never merge" blocks."""

from __future__ import annotations

from devfunnel.identity.graph import IdentityGraph


def components(graph: IdentityGraph) -> set[frozenset[str]]:
    return {frozenset(members) for members in graph.components().values()}


def test_edges_join_keys_transitively() -> None:
    graph = IdentityGraph()
    graph.union("anonymous_id:a", "user_id:u")
    graph.union("user_id:u", "email:x@acme.io")
    graph.add("github:other")
    assert components(graph) == {
        frozenset({"anonymous_id:a", "user_id:u", "email:x@acme.io"}),
        frozenset({"github:other"}),
    }


def test_block_refuses_a_direct_union() -> None:
    graph = IdentityGraph(blocks=[("email:a@x.io", "email:b@x.io")])
    assert graph.union("email:a@x.io", "email:b@x.io") is False
    assert graph.refused == [("email:a@x.io", "email:b@x.io")]
    assert graph.find("email:a@x.io") != graph.find("email:b@x.io")


def test_block_refuses_an_indirect_union_through_other_keys() -> None:
    graph = IdentityGraph(blocks=[("email:a@x.io", "email:b@x.io")])
    assert graph.union("email:a@x.io", "user_id:1")
    assert graph.union("email:b@x.io", "user_id:2")
    # Joining the two users would put the blocked emails in one person.
    assert graph.union("user_id:1", "user_id:2") is False
    assert graph.find("user_id:1") != graph.find("user_id:2")


def test_blocks_follow_their_component_after_unions() -> None:
    graph = IdentityGraph(blocks=[("k:a", "k:z")])
    graph.union("k:a", "k:b")
    graph.union("k:b", "k:c")
    graph.union("k:z", "k:y")
    assert graph.union("k:c", "k:y") is False
    assert graph.union("k:c", "k:unrelated") is True


def test_union_of_already_joined_keys_is_a_no_op() -> None:
    graph = IdentityGraph()
    graph.union("k:1", "k:2")
    assert graph.union("k:2", "k:1") is True
    assert len(graph) == 2
