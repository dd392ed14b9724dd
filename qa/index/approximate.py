"""Approximate dense search (FAISS HNSW) for large indexes, derived from the exact one.

``dense.faiss`` (an exact inner-product index with chunk ids) stays the index's record of
every vector: deletions and incremental updates work on it as before. Above
``ApproxConfig.min_passages`` vectors a build also writes ``dense.hnsw``, an HNSW graph over the
same vectors and ids, which readers search instead. When articles are removed or changed, the
graph is rebuilt from the exact index, so a deleted passage can never be found through it; when
articles are only added, their vectors are added to the previous graph. Searches that filter by
date scan the graph's own vectors exactly (HNSW recall falls when a filter keeps few passages).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

HNSW = "dense.hnsw"


@dataclass(frozen=True)
class ApproxConfig:
    """When and how the approximate index is built; recorded in the manifest.

    Attributes:
        min_passages: passages from which a build adds an HNSW graph (below it the exact
            scan is cheaper than the graph's upkeep: see README, "Approximate search").
        m: neighbours per node of the graph (memory: about 8 * m bytes per passage more).
        ef_construction: breadth of the search that places each new node.
        ef_search: breadth of a query's search.

    ``ef_construction`` and ``ef_search`` were tuned to recall@10 >= 0.95 against the exact
    scan (``bench/bench_hnsw.py``, README "Approximate search"): on the 70,518 real passages
    of the five English dev sets 200 / 256 give 0.990 (80 / 64, the first choice, gave 0.904),
    and on 1M passages (those, then noisy copies of them) 0.968, at 0.7 ms a query.
    """

    min_passages: int = 200_000
    m: int = 32
    ef_construction: int = 200
    ef_search: int = 256


def kind_for(n_passages: int, exact: bool, config: ApproxConfig) -> str:
    """ "hnsw" when an index of ``n_passages`` gets a graph, else "flat"."""
    return "hnsw" if not exact and n_passages >= config.min_passages else "flat"


def record(kind: str, exact: bool, config: ApproxConfig) -> dict[str, Any]:
    """The manifest's ``dense_index`` entry."""
    return {"kind": kind, "exact": exact, **asdict(config)}


def empty_hnsw(dim: int, config: ApproxConfig) -> Any:
    import faiss

    graph = faiss.IndexHNSWFlat(dim, config.m, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = config.ef_construction
    graph.hnsw.efSearch = config.ef_search
    return faiss.IndexIDMap2(graph)


def from_exact(exact: Any, config: ApproxConfig, batch: int = 65536) -> Any:
    """An HNSW index over every vector and id of ``exact`` (an IDMap2 over a flat index)."""
    import faiss

    flat = faiss.downcast_index(exact.index)
    ids = faiss.vector_to_array(exact.id_map).astype(np.int64)
    graph = empty_hnsw(flat.d, config)
    for start in range(0, flat.ntotal, batch):
        stop = min(start + batch, flat.ntotal)
        graph.add_with_ids(flat.reconstruct_n(start, stop - start), ids[start:stop])
    return graph


def write(gen: Path, index: Any) -> None:
    import faiss

    faiss.write_index(index, str(gen / HNSW))


def read(gen: Path, ef_search: int) -> Any:
    import faiss

    index = faiss.read_index(str(gen / HNSW))
    faiss.downcast_index(index.index).hnsw.efSearch = ef_search
    return index


class ExactView:
    """Exact search over the vectors an HNSW index holds (no copy): for filtered searches."""

    def __init__(self, hnsw: Any) -> None:
        import faiss

        self._owner = hnsw  # the storage below belongs to it: keep it alive
        self.storage = faiss.downcast_index(faiss.downcast_index(hnsw.index).storage)
        self.ids = faiss.vector_to_array(hnsw.id_map).astype(np.int64)
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]

    def search(self, vector: np.ndarray, n: int, chunk_ids: np.ndarray) -> tuple[Any, Any]:
        """The ``n`` best of ``chunk_ids`` for ``vector``: (scores, chunk ids), -1 padded."""
        import faiss

        at = np.minimum(np.searchsorted(self._sorted, chunk_ids), len(self._sorted) - 1)
        positions = self._order[at[self._sorted[at] == chunk_ids]].astype(np.int64)
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(positions))
        scores, found = self.storage.search(vector, n, params=params)
        ids = np.where(found >= 0, self.ids[np.maximum(found, 0)], -1)
        return scores, ids
