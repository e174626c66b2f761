"""deduce with its lookup tables in a quarter of the memory (`CompactDeduce`).

deduce keeps its name, street, place and institution lists as tries of Python objects, one object and one
dict per node: the street list (929,000 nodes) and the healthcare-institution list (904,000) make deduce take
1.1 GB of memory once loaded, and a worker that scrubs one transcript more than 1 GB. `CompactTrie` holds the
same trie as one dict from every prefix (its tokens joined by SEP) to whether an item ends there: the same
lookups (`longest_matching_prefix`, `in`) with the same results, 0.3 GB for all of deduce's lists, loaded in
about 5 s instead of 15-20 s.

The compact lists are built once from deduce's own (`build`, at install: ``python -m impactlab.deidentify``)
and kept in a cache file next to deduce's cache, named by deduce's version; `CompactDeduce` loads them without
ever building deduce's tries, so the peak stays at the compact size. Everything else (configuration, tokenizer,
annotators, redactor) is deduce's own.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import deduce
import docdeid as dd
from deduce.deduce import _LOOKUP_LIST_PATH, _DeduceProcessorLoader

SEP = "\x1f"
FORMAT = 1  # bump when CompactTrie's layout changes: an older cache file is then rebuilt
log = logging.getLogger(__name__)


class CompactTrie(dd.ds.LookupTrie):
    """A `docdeid.ds.LookupTrie` as one dict: every prefix of every item (tokens after the matching pipeline,
    joined by SEP) -> whether an item ends there. ``children`` gives the first tokens (what
    `MultiTokenLookupAnnotator` reads of a trie: the words a match can start with)."""

    def __init__(self, matching_pipeline: list[Any] | None = None, prefixes: dict[str, bool] | None = None,
                 starts: Iterable[str] = ()) -> None:
        dd.ds.LookupStructure.__init__(self, matching_pipeline=matching_pipeline)
        self.prefixes: dict[str, bool] = prefixes if prefixes is not None else {}
        self.starts = set(starts)
        self.is_terminal = False

    @property  # type: ignore[override]
    def children(self) -> dict[str, None]:
        return dict.fromkeys(self.starts)

    @classmethod
    def of(cls, trie: dd.ds.LookupTrie) -> CompactTrie:
        """The same items and matching pipeline as `trie` (a tree walk, once, at build time)."""
        prefixes: dict[str, bool] = {}
        stack = list(trie.children.items())
        while stack:
            key, node = stack.pop()
            prefixes[key] = node.is_terminal
            stack.extend((key + SEP + token, child) for token, child in node.children.items())
        return cls(trie.matching_pipeline, prefixes, trie.children)

    def _key(self, item: Iterable[str]) -> list[str]:
        return [self._apply_matching_pipeline(token) for token in item]

    def add_item(self, item: list[str]) -> None:
        tokens = self._first(item)
        for n in range(1, len(tokens) + 1):
            key = SEP.join(tokens[:n])
            self.prefixes[key] = self.prefixes.get(key, False) or n == len(tokens)
        if tokens:
            self.starts.add(tokens[0])

    def _first(self, item: list[str]) -> list[str]:
        # as LookupTrie.add_item and `in`: the matching pipeline goes over the first token only (a LookupTrie's
        # lower nodes have none); `longest_matching_prefix` applies it to every token
        return [self._apply_matching_pipeline(item[0]), *item[1:]] if item else []

    def __contains__(self, item: list[str]) -> bool:  # type: ignore[override]
        return bool(item) and self.prefixes.get(SEP.join(self._first(item)), False)

    def longest_matching_prefix(self, item: list[str], start_i: int = 0) -> list[str] | None:
        longest, key = 0, None
        for i in range(start_i, len(item)):  # a few tokens: a match ends at the first prefix no item has
            token = self._apply_matching_pipeline(item[i])
            key = token if key is None else key + SEP + token
            ends = self.prefixes.get(key)
            if ends is None:
                break
            if ends:
                longest = i - start_i + 1
        return self._key(item[start_i:start_i + longest]) if longest else None


def cache_file(folder: str | Path = _LOOKUP_LIST_PATH / "cache") -> Path:
    return Path(folder) / f"impactlab-compact-{deduce.__version__}-{FORMAT}.pickle"


def compact(structs: dd.ds.DsCollection) -> dd.ds.DsCollection:
    """deduce's lookup structures with every trie as a CompactTrie."""
    out = dd.ds.DsCollection()
    for name, struct in structs.items():
        out[name] = CompactTrie.of(struct) if type(struct) is dd.ds.LookupTrie else struct
    return out


def build(path: Path | None = None) -> dd.ds.DsCollection:
    """Load deduce's own lookup structures (building deduce's cache if need be), make them compact and write them
    to `path` (written whole or not at all); returns them."""
    path = path or cache_file()
    structs = compact(deduce.Deduce().lookup_structs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".impactlab-compact-", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            pickle.dump(structs, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(temporary, 0o644)  # read by every process of the install, as deduce's own cache
        os.replace(temporary, path)
    except OSError as error:  # a read-only install: used from memory this time
        log.warning("cannot keep deduce's compact lookup tables in %s (%s)", path.parent, error)
    return structs


def load(path: Path | None = None) -> dd.ds.DsCollection:
    """The compact lookup structures from `path`, built first when it is missing or unreadable."""
    path = path or cache_file()
    try:
        with path.open("rb") as source:  # written by `build` into deduce's own package data, like deduce's cache
            structs = pickle.load(source)
        if isinstance(structs, dd.ds.DsCollection):
            return structs
    except FileNotFoundError:
        pass
    except (EOFError, OSError, pickle.UnpicklingError, AttributeError, ImportError, IndexError) as error:
        log.warning("deduce's compact lookup tables unreadable (%s); building them again", error)
    return build(path)


class CompactDeduce(deduce.Deduce):
    """`deduce.Deduce` with its default configuration and lookup lists, the lists as `CompactTrie`s (`load`)."""

    def __init__(self, path: Path | None = None) -> None:  # what deduce.Deduce.__init__ does, but `load`
        dd.DocDeid.__init__(self)
        self.config = self._initialize_config(load_base_config=True)
        self.lookup_data_path = self._initialize_path_or_str(_LOOKUP_LIST_PATH)
        self.cache_path = self.lookup_data_path
        self.tokenizers = {"default": self._initialize_tokenizer(self.lookup_data_path)}
        self.lookup_structs = load(path)
        extras = {"tokenizer": self.tokenizers["default"], "ds": self.lookup_structs}
        self.processors = _DeduceProcessorLoader().load(config=self.config, extras=extras)
