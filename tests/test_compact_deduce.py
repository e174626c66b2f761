"""deduce's lookup lists as compact tries answer every lookup as deduce's own tries do (issue 10)."""

from __future__ import annotations

import docdeid as dd
from docdeid.str import LowercaseString
from hypothesis import given, settings
from hypothesis import strategies as st

from impactlab.compact_deduce import CompactTrie

token = st.sampled_from(["Kerk", "kerk", "straat", "Straat", "van", "de", "Sint", "Jan", "-", "12"])
item = st.lists(token, min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(item, max_size=25), st.lists(item, min_size=1, max_size=15), st.booleans())
def test_a_compact_trie_answers_as_deduces_trie(items: list[list[str]], queries: list[list[str]], lower: bool) -> None:
    pipeline = [LowercaseString()] if lower else None
    trie = dd.ds.LookupTrie(matching_pipeline=pipeline)
    for i in items:
        trie.add_item(i)
    compact, added = CompactTrie.of(trie), CompactTrie(matching_pipeline=pipeline)
    for i in items:
        added.add_item(i)
    for query in queries:
        for start in range(len(query)):
            expected = trie.longest_matching_prefix(query, start_i=start)
            assert compact.longest_matching_prefix(query, start_i=start) == expected
            assert added.longest_matching_prefix(query, start_i=start) == expected
        assert (query in compact) == (query in trie) == (query in added)
    assert set(compact.children) == set(trie.children) == set(added.children)
