"""Hybrid search over a built index: dense (FAISS) + lexical (BM25), fused, news-aware.

retriever = load_retriever("embeddings/")
hits = retriever.search("Who met Huawei's rotating chairman?", k=5, since="2022-01-01")
hits[0].text, hits[0].score, hits[0].article.title, hits[0].start, hits[0].end
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.config import FUSIONS, MODES, RetrievalConfig
from qa.errors import IndexMismatchError, InvalidArgumentError
from qa.index import approximate, integrity, pg, store
from qa.index.embedding import (
    DEFAULT_QUERY_ENCODER,
    Embedder,
    VectorCache,
    effective_encoder,
    load_embedder,
)
from qa.index.leases import Lease
from qa.index.lexical import ArticleLexicalIndex, LexicalIndex
from qa.index.manifest import LEXICAL_RECIPE
from qa.ingest import chinese
from qa.ingest.articles import Skipped
from qa.models import Article, ArticleMeta, Chunk, DateRange, Hit, SearchResults
from qa.search import dates
from qa.search.fusion import fuse, language_weight, with_article, with_context
from qa.search.matching import collapse_duplicates, crowd, must_match_terms, phrase_coverage

logger = logging.getLogger(__name__)

# An article of this many passages or more gives a passage's lexical side its full
# ``RetrievalConfig.article_weight``; one of fewer gives less, one of a single passage none.
ARTICLE_SPAN = 4
# An article of ``LIFT_SPAN`` passages or more takes its full ``RetrievalConfig.article_lift``,
# one of ``LIFT_FROM`` or fewer none (a short article's BM25 is much its passages' own).
LIFT_FROM, LIFT_SPAN = 3, 8


@dataclass(frozen=True)
class IndexStats:
    """What the index holds, for status displays."""

    articles: int
    chunks: int
    model: str
    built_at: str
    skipped: tuple[Skipped, ...]
    newest_date: dt.date | None


def load_retriever(
    index_dir: str | Path = "embeddings/",
    *,
    embedder: Embedder | None = None,
    query_encoder: str | None = None,
) -> Retriever:
    """Open the live index in ``index_dir`` with the model recorded in its manifest.

    ``index_dir`` may also be a PostgreSQL address (``postgresql://user@host/db``, the
    ``postgres`` extra): the retriever then reads that database (``qa.search.pg_retriever``),
    searching with the same fusion, priors and answering.

    Questions are embedded by the manifest's ``query_encoder`` (int8 on onnxruntime for the
    default model, with no torch import; fp32 otherwise) unless ``embedder`` or
    ``query_encoder`` says otherwise. The retriever holds a lease on the generation it reads,
    so no build removes it until ``close()``.

    Raises:
        IndexNotFoundError: nothing was built there yet.
        IndexDamagedError: a file of the index is missing, cut short or unreadable.
        IndexMismatchError: the index is of another format, its BM25 side was built with
            another tokenizer, or ``embedder`` is another model.
    """
    if isinstance(index_dir, str) and pg.is_database(index_dir):
        from qa.search.pg_retriever import open_database

        return open_database(index_dir, embedder, query_encoder)
    index_dir = Path(index_dir)
    gen, manifest, lease = integrity.open_live(index_dir)
    try:
        retriever = _open(index_dir, gen, manifest, embedder, query_encoder)
    except BaseException:
        if lease is not None:
            lease.release()
        raise
    retriever.lease = lease
    return retriever


def query_embedder(manifest: dict[str, Any], query_encoder: str | None = None) -> Embedder:
    """The embedder for questions to an index: ``query_encoder``, else the manifest's, else
    the default (int8 where it serves the index's model)."""
    name = manifest["model"]["name"]
    wanted = query_encoder or manifest.get("query_encoder") or DEFAULT_QUERY_ENCODER
    return load_embedder(name, effective_encoder(name, wanted))


def _open(
    index_dir: Path,
    gen: Path,
    manifest: dict[str, Any],
    embedder: Embedder | None,
    query_encoder: str | None,
) -> Retriever:
    embedder = checked_embedder(index_dir, manifest, embedder, query_encoder)
    with integrity.damage_as_error(index_dir, manifest):
        return Retriever(index_dir, gen, manifest, embedder)


def checked_embedder(
    index_dir: Path | str,
    manifest: dict[str, Any],
    embedder: Embedder | None,
    query_encoder: str | None,
) -> Embedder:
    """The question embedder for an index whose manifest is ``manifest``, once the index is
    known to be readable by this version (format, BM25 recipe) and of the embedder's model."""
    if manifest.get("format_version") != store.FORMAT_VERSION:
        raise IndexMismatchError(
            index_dir, "format version", store.FORMAT_VERSION, manifest.get("format_version")
        )
    if manifest.get("lexical_recipe") != LEXICAL_RECIPE:
        found = manifest.get("lexical_recipe")
        raise IndexMismatchError(
            index_dir,
            "lexical recipe",
            LEXICAL_RECIPE,
            found,
            remedy=_resync_hint(index_dir, manifest),
        )
    recorded = manifest["model"]
    embedder = embedder or query_embedder(manifest, query_encoder)
    if embedder.name != recorded["name"] or embedder.dim != recorded["dimension"]:
        raise IndexMismatchError(
            index_dir,
            "model",
            f"{embedder.name} ({embedder.dim}-d)",
            f"{recorded['name']} ({recorded['dimension']}-d)",
        )
    return embedder


def _read_dense(gen: Path, manifest: dict[str, Any]) -> tuple[Any, Any]:
    """The dense index readers search (HNSW when the manifest says so, else the exact one)
    and, for HNSW, an exact view of its vectors for filtered searches."""
    recorded = manifest.get("dense_index") or {}
    if recorded.get("kind") != "hnsw":
        return store.read_dense(gen), None
    ef_search = int(recorded.get("ef_search", approximate.ApproxConfig().ef_search))
    graph = approximate.read(gen, ef_search)
    return graph, approximate.ExactView(graph)


class Lookups(Protocol):
    """Where a retriever reads articles and chunks: a generation's ``store.ChunkTable``, or a
    database's ``pg_read.Reader``."""

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]: ...

    def chunks_of(self, article_id: str) -> list[Chunk]: ...

    def article(self, article_id: str) -> Article | None: ...

    def close(self) -> None: ...


class Retriever:
    """Searches one generation of an index; safe to keep while a build publishes a new one,
    and to share between threads (FAISS and BM25 are only read; SQLite has a connection per
    thread). ``close()`` lets go of the generation's files.

    Another store (``pg_retriever.DatabaseRetriever``) overrides only the storage hooks: its
    ``table`` (``Lookups``), ``metas``, ``_sizes``, ``_mask``, ``_dense``, ``_lexical``,
    ``_article_scores``, ``_cjk_shares`` and ``_articles_of``.
    """

    overlap_sides = True  # hybrid search runs its dense side on a worker thread

    def __init__(self, index_dir: Path, gen: Path, manifest: dict[str, Any], embedder: Embedder):
        self.lease: Lease | None = None
        self.index_dir = index_dir
        self.generation = gen
        self._take_settings(manifest, embedder)
        self.dense, self._exact_view = _read_dense(gen, manifest)
        self.lexical = LexicalIndex.load(gen / store.LEXICAL)
        articles = ArticleLexicalIndex.load(gen / store.ARTICLE_LEXICAL)
        self.article_lexical = articles
        table = store.ChunkTable(gen / store.TABLE)
        self.table: Lookups = table
        self._metas: dict[str, ArticleMeta] = table.metas()
        self._load_chunk_arrays(table.chunk_articles(), articles)

    def _take_settings(self, manifest: dict[str, Any], embedder: Embedder) -> None:
        """What a retriever takes from its manifest, whichever store holds the index."""
        self.manifest = manifest
        self.embedder = embedder
        self.vector_cache = VectorCache()  # sentences answers embedded (by ``embedder``)
        known = {f.name for f in fields(RetrievalConfig)}
        self.config = RetrievalConfig(
            **{k: v for k, v in manifest.get("retrieval", {}).items() if k in known}
        )

    @property
    def metas(self) -> dict[str, ArticleMeta]:
        """Every article's title, date, source and path, by id."""
        return self._metas

    def _load_chunk_arrays(
        self, rows: list[tuple[int, str]], articles: ArticleLexicalIndex
    ) -> None:
        """Per chunk, aligned with ``lexical.ids`` (sorted ids): its article's date, source,
        position in ``articles`` and number of passages."""
        ordinal = {a: (m.date.toordinal() if m.date else 0) for a, m in self.metas.items()}
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.article_of = [r[1] for r in rows]
        self.dates = np.array([ordinal[r[1]] for r in rows], dtype=np.int64)
        # per chunk, its share of Chinese words (chinese.cjk_share), measured on first use
        self._cjk = np.full(len(rows), np.nan, dtype=np.float32)
        if not np.array_equal(self.ids, self.lexical.ids):
            raise IndexMismatchError(self.index_dir, "lexical ids", "chunk table ids", "others")
        position = {a: p for p, a in enumerate(articles.article_ids)}
        if position.keys() != self.metas.keys():
            raise IndexMismatchError(
                self.index_dir, "article BM25 ids", "chunk table articles", "others"
            )
        self._article_pos = np.array([position[a] for a in self.article_of], dtype=np.int64)
        counts = np.bincount(self._article_pos, minlength=len(position))
        self._article_span = counts[self._article_pos]  # per chunk: its article's passages

    def close(self) -> None:
        """Close the chunk table and release the generation (searching afterwards fails)."""
        self.table.close()
        if self.lease is not None:
            self.lease.release()

    @cached_property
    def newest_date(self) -> dt.date | None:
        """The "now" of relative date phrases: the date of the newest article."""
        days = [m.date for m in self.metas.values() if m.date]
        return max(days) if days else None

    @cached_property
    def centroid(self) -> np.ndarray:
        """The mean of the chunk vectors (computed on first use: a pass over the index)."""
        return store.dense_centroid(self.dense)

    def background(self, vector: np.ndarray) -> float:
        """How alike ``vector`` (a unit query vector) and an average chunk of the archive are.

        A model finds texts of a language it was not trained on alike whatever they say (the
        English default rates two unrelated Chinese passages about 0.6 similar), so a dense
        similarity is read against this floor rather than against zero.
        """
        return float(np.dot(vector, self.centroid))

    @property
    def stats(self) -> IndexStats:
        skipped = tuple(Skipped(s["path"], s["reason"]) for s in self.manifest.get("skipped", []))
        articles, passages, newest = self._sizes()
        model, built = self.manifest["model"]["name"], self.manifest.get("built_at", "")
        return IndexStats(articles, passages, model, built, skipped, newest)

    def _sizes(self) -> tuple[int, int, dt.date | None]:
        """Articles, passages and the newest article's date, as of one state of the index."""
        return len(self.metas), len(self.ids), self.newest_date

    def get_article(self, article_id: str) -> Article:
        article = self.table.article(article_id)
        if article is None:
            raise InvalidArgumentError(f"no article {article_id!r} in the index")
        return article

    def chunks_of(self, article_id: str) -> list[Chunk]:
        return self.table.chunks_of(article_id)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        as_of: str | dt.date | None = None,
        sources: Sequence[str] | None = None,
        mode: str | None = None,
        fusion: str | None = None,
        dense_weight: float | None = None,
        interpret_dates: bool = True,
        context_weight: float | None = None,
        article_weight: float | None = None,
        article_lift: float | None = None,
        date_prior: float | None = None,
        recency_prior: float | None = None,
        period_prior: float | None = None,
        per_article: int | None = None,
    ) -> SearchResults:
        """The ``k`` best passages for ``query``, at most one per near-duplicate story, and
        at most ``per_article`` of one article before every other article's best ones.

        Args:
            query: the question, in plain language.
            k: how many passages to return.
            since, until: inclusive date bounds (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or dates);
                articles without a date are left out when either is given.
            as_of: read the archive as of this date: relative phrases ("this week",
                "recently", 上个月) are read against it, and articles dated after it are left
                out (undated ones stay). Default: relative phrases are read against today
                and no article is left out.
            sources: keep only articles whose source is one of these.
            mode: "hybrid" (default), "dense" or "lexical".
            fusion: "rrf", "score" or "zscore", for every question; default: the index's
                recorded choice for the question's language.
            dense_weight: weight of the dense side in fusion, 0..1, where the model knows the
                language (see ``RetrievalConfig.zh_dense_weight`` for where it does not).
            interpret_dates: read the period the question names ("in 2023", "last June",
                "this week") and weigh dated passages by it; it never leaves any out. What was
                read is returned in ``SearchResults.window``.
            context_weight: re-scoring by article context (see ``RetrievalConfig``).
            article_weight: how much a passage's lexical side is its whole article's BM25
                (see ``RetrievalConfig``); 0 turns it off.
            article_lift: how much a passage's whole article's BM25 lifts it after fusion
                (see ``RetrievalConfig``); 0 turns it off.
            date_prior: how much the years the question names, with or without a
                preposition and whatever ``interpret_dates`` says, weigh each dated
                passage by when it was written (see ``RetrievalConfig``); 0 turns it off.
            recency_prior: how much a period relative to the reference date lifts the dated
                passages near it (see ``RetrievalConfig``); 0 turns it off.
            period_prior: how much a period of the calendar the question names ("in 2020")
                weighs down the dated passages far from it (see ``RetrievalConfig``); 0 turns
                it off.
            per_article: passages of one article past this many go after those of every
                other article (see ``RetrievalConfig``); 0 keeps the order of the scores.
        """
        config = self._config(k, mode, fusion, dense_weight)
        if context_weight is not None:
            config = replace(config, context_weight=context_weight)
        if article_weight is not None:
            if not 0.0 <= article_weight <= 1.0:
                raise InvalidArgumentError(
                    f"article_weight must be in [0, 1], got {article_weight}"
                )
            config = replace(config, article_weight=article_weight)
        if article_lift is not None:
            if not 0.0 <= article_lift <= 1.0:
                raise InvalidArgumentError(f"article_lift must be in [0, 1], got {article_lift}")
            config = replace(config, article_lift=article_lift)
        if per_article is not None:
            if isinstance(per_article, bool) or not isinstance(per_article, int) or per_article < 0:
                raise InvalidArgumentError(
                    f"per_article must be a whole number of 0 or more, got {per_article!r}"
                )
            config = replace(config, per_article=per_article)
        priors = {
            "date_prior": date_prior,
            "recency_prior": recency_prior,
            "period_prior": period_prior,
        }
        for name, value in priors.items():
            if value is not None and not 0.0 <= value < 1.0:
                raise InvalidArgumentError(f"{name} must be in [0, 1), got {value}")
        changes: dict[str, Any] = {a: v for a, v in priors.items() if v is not None}
        config = replace(config, **changes)
        query = query.strip()
        if not query:
            raise InvalidArgumentError("the query is empty")
        explicit = _explicit_range(since, until)
        cut = dates.coerce_bound(as_of, end=True, name="as_of")
        reference = cut or dt.date.today()
        window = dates.interpret(query, reference) if interpret_dates else None
        if window is None and cut is not None and interpret_dates and config.as_of_prior:
            window = dates.news_of_then(cut, config.as_of_days)
        hits = self._search(query, k, config, _Dates(explicit, cut, window), sources)
        return SearchResults(query, tuple(hits), config.mode, _filter(explicit, cut), window)

    def _config(
        self, k: int, mode: str | None, fusion: str | None, dense_weight: float | None
    ) -> RetrievalConfig:
        if not isinstance(k, int) or k < 1:
            raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
        if mode is not None and mode not in MODES:
            raise InvalidArgumentError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if fusion is not None and fusion not in FUSIONS:
            raise InvalidArgumentError(
                f"fusion must be one of {', '.join(FUSIONS)}; got {fusion!r}"
            )
        if dense_weight is not None and not 0.0 <= dense_weight <= 1.0:
            raise InvalidArgumentError(f"dense_weight must be in [0, 1], got {dense_weight}")
        # a fusion asked for is used whatever the question's language
        changes: dict[str, Any] = {
            "mode": mode,
            "fusion": fusion,
            "zh_fusion": fusion,
            "dense_weight": dense_weight,
        }
        return replace(self.config, **{a: v for a, v in changes.items() if v is not None})

    def _mask(self, when: _Dates, sources: Sequence[str] | None) -> Any:
        """The hard filters of a search (here a boolean array over ``ids``; None: none)."""
        masks = []
        explicit = when.explicit
        if explicit and (explicit.since or explicit.until):
            low = explicit.since.toordinal() if explicit.since else 1
            high = explicit.until.toordinal() if explicit.until else 10**9
            masks.append((self.dates >= low) & (self.dates <= high))
        if when.as_of is not None:  # undated articles (ordinal 0) stay
            masks.append(self.dates <= when.as_of.toordinal())
        if sources is not None:
            wanted = set(sources)
            ok = {a for a, m in self.metas.items() if m.source in wanted}
            masks.append(np.array([a in ok for a in self.article_of], dtype=bool))
        return np.logical_and.reduce(masks) if masks else None

    def _search(
        self,
        query: str,
        k: int,
        config: RetrievalConfig,
        when: _Dates,
        sources: Sequence[str] | None,
    ) -> list[Hit]:
        mask = self._mask(when, sources)
        if isinstance(mask, np.ndarray) and not mask.any():
            return []
        n = max(config.candidates, 3 * k)
        if config.mode == "hybrid" and self.overlap_sides:
            # Embedding the question and BM25 both release the GIL: on two cores the dense
            # side runs beside the lexical one (at 1M passages 2.5 + 3.4 ms, one after the
            # other, were most of a search).
            pending = _side_threads().submit(self._dense, query, n, mask)
            lexical = self._lexical(query, n, mask)
            dense = pending.result()
        else:
            dense = self._dense(query, n, mask) if config.mode != "lexical" else {}
            lexical = self._lexical(query, n, mask) if config.mode != "dense" else {}
        if config.mode == "dense":
            fused = dense
        elif config.mode == "lexical":
            fused = lexical
        else:
            fused = self._fuse(query, dense, lexical, config)
        if config.context_weight:
            fused = with_context(fused, self._articles_of(fused), config.context_weight)
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)[: max(3 * k, 30)]
        chunks = self._chunks([int(i) for i in ranked])
        scores = self._boost(query, ranked, fused, chunks, config, when)
        ranked.sort(key=scores.__getitem__, reverse=True)
        ranked = crowd(ranked, lambda i: chunks[i].article_id, config.per_article)
        texts = {i: chunks[i].text for i in ranked}
        kept = collapse_duplicates(ranked, texts, config.duplicate_jaccard, limit=k)
        return [self._hit(chunks[i], scores[i], dense.get(i), lexical.get(i)) for i in kept]

    def _in_articles(
        self,
        query: str,
        dense: dict[int, float],
        lexical: dict[int, float],
        config: RetrievalConfig,
    ) -> dict[int, float]:
        """The lexical side with each candidate's article BM25 blended in (``with_article``),
        in full for an article of ``ARTICLE_SPAN`` passages or more, not at all for an
        article of one (whose BM25 is the passage's own)."""
        if not config.article_weight:
            return lexical
        ids = np.fromiter(dense.keys() | lexical.keys(), dtype=np.int64)
        if not len(ids):
            return lexical
        scores, spans = self._article_scores(query, ids)
        share = np.minimum(1.0, (spans - 1) / (ARTICLE_SPAN - 1))
        keys = ids.tolist()
        return with_article(
            lexical,
            dict(zip(keys, scores.tolist())),
            config.article_weight,
            dict(zip(keys, share.tolist())),
        )

    def _article_scores(self, query: str, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each chunk of ``ids``: its article's BM25 score for ``query`` and its article's
        number of passages (scoring only these chunks' articles)."""
        at = np.searchsorted(self.ids, ids)
        return self.article_lexical.scores_of(query, self._article_pos[at]), self._article_span[at]

    def _fuse(
        self,
        query: str,
        dense: dict[int, float],
        lexical: dict[int, float],
        config: RetrievalConfig,
    ) -> dict[int, float]:
        """Fuse the two sides, the dense one weighing by the language of the question and of
        each passage (``fusion.language_weight``). A question without Chinese is fused as
        before, with one weight for all passages. Where the dense side weighs nothing for
        every passage, the ranking is the lexical one itself, scores included (normalised for
        fusion, BM25's scores would take the exact-match and date lifts differently), and the
        passages only the dense side found come after it, below zero. Otherwise the lexical
        side is read in each passage's article first (``_in_articles``)."""
        share = chinese.cjk_share(query)
        if not share:
            return fuse(dense, self._in_articles(query, dense, lexical, config), config)
        shares = self._cjk_shares(dense.keys() | lexical.keys())
        weights = {i: language_weight(config, share, s) for i, s in shares.items()}
        if not any(weights.values()):
            # the passages BM25 missed follow all it found, in dense order (offered as related)
            fill = {i: d - 2.0 for i, d in dense.items() if i not in lexical}
            return {**fill, **lexical}
        method = config.zh_fusion if share >= 0.5 else config.fusion
        lexical = self._in_articles(query, dense, lexical, config)
        return fuse(dense, lexical, config, weights.__getitem__, method)

    def _cjk_shares(self, chunk_ids: Iterable[int]) -> dict[int, float]:
        """The share of Chinese words of each chunk (read from the table on first use)."""
        ids = np.fromiter(chunk_ids, dtype=np.int64)
        positions = np.searchsorted(self.ids, ids)
        unknown = np.isnan(self._cjk[positions])
        if unknown.any():
            texts = self._chunks([int(i) for i in ids[unknown]])
            for i, p in zip(ids[unknown], positions[unknown]):
                self._cjk[p] = chinese.cjk_share(texts[int(i)].text)
        return {int(i): float(self._cjk[p]) for i, p in zip(ids, positions)}

    def _chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        return self.table.chunks(ids)

    def _articles_of(self, chunk_ids: Iterable[int]) -> dict[int, str]:
        ids = np.fromiter(chunk_ids, dtype=np.int64)
        positions = np.searchsorted(self.ids, ids)
        return {int(i): self.article_of[p] for i, p in zip(ids, positions)}

    def _dense(self, query: str, n: int, mask: Any) -> dict[int, float]:
        import faiss

        if self.dense.ntotal == 0:
            return {}
        vector = self.embedder.encode([query], show_progress=False)
        params = None
        if mask is not None and self._exact_view is not None:  # filtered: exact, not HNSW
            scores, ids = self._exact_view.search(vector, min(n, self.dense.ntotal), self.ids[mask])
            return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i != -1}
        if mask is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(self.ids[mask]))
        # One query at a time: OpenMP threads only add overhead to the scan (about 3x slower
        # with two at 1M vectors). The thread count is OpenMP's, shared with torch and kept
        # per calling thread, so it is lowered around the scan only and then given back:
        # lowering it for good would also halve the query encoder's threads.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.dense.search(vector, min(n, self.dense.ntotal), params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i != -1}

    def _lexical(self, query: str, n: int, mask: Any) -> dict[int, float]:
        return self.lexical.top(query, n, mask)

    def _boost(
        self,
        query: str,
        ranked: list[int],
        fused: dict[int, float],
        chunks: dict[int, Chunk],
        config: RetrievalConfig,
        when: _Dates,
    ) -> dict[int, float]:
        """Lift passages that hold the question's quoted phrases, names and numbers; then
        weigh each dated one by when it was written: against the years the question names
        (``1 + date_prior * year_fit``), a period relative to the reference date
        (``1 + recency_prior * window_fit``) or a period of the calendar
        (``1 - period_prior * (1 - window_fit)``); last, lift a long article's passages by
        its whole text (``_lift_articles``)."""
        scores = dict(fused)
        if not ranked:
            return scores
        best = max(fused[ranked[0]], 1e-9)
        terms = must_match_terms(query)
        if terms and config.phrase_boost:
            for i in ranked:
                text = chunks[i].text + "\n" + self.metas[chunks[i].article_id].title
                scores[i] += config.phrase_boost * best * phrase_coverage(terms, text)
        newest = self.newest_date
        if when.as_of is not None and newest is not None:
            newest = min(newest, when.as_of)
        years = dates.named_years(query, newest) if config.date_prior else frozenset()
        window = when.window
        priors: list[Callable[[dt.date], float]] = []
        if years:
            priors.append(lambda day: config.date_prior * dates.year_fit(day.year, years))
        if window is not None and window.relative:
            weight = config.as_of_prior if not window.phrase else config.recency_prior
            if weight:
                priors.append(lambda day: weight * dates.window_fit(day, window))
        if window is not None and not window.relative and config.period_prior:
            priors.append(lambda day: config.period_prior * (dates.window_fit(day, window) - 1))
        for prior in priors:
            for i in ranked:
                day = self.metas[chunks[i].article_id].date
                if day is not None:
                    scores[i] += max(scores[i], 0.0) * prior(day)
        if config.article_lift and config.mode == "hybrid":
            self._lift_articles(query, ranked, scores, config.article_lift)
        return scores

    def _lift_articles(
        self, query: str, ranked: list[int], scores: dict[int, float], weight: float
    ) -> None:
        """Add to each passage ``weight`` x the best score x its article's BM25 over whole
        articles, min-max normalised over the articles of ``ranked`` that hold a word of the
        question: in full for an article of ``LIFT_SPAN`` passages or more, less for a
        shorter one and nothing for one of ``LIFT_FROM`` or fewer. A long article that
        states the question's words in several paragraphs rises above one that repeats them
        in one place."""
        ids = np.array(ranked, dtype=np.int64)
        whole, spans = self._article_scores(query, ids)
        named = whole[whole > 0]
        if not len(named):
            return
        low, span = float(named.min()), float(named.max() - named.min())
        best = max(max(scores[i] for i in ranked), 1e-9)
        share = np.clip((spans - LIFT_FROM) / (LIFT_SPAN - LIFT_FROM), 0.0, 1.0)
        for i, score, part in zip(ranked, whole.tolist(), share.tolist()):
            if score > 0 and part > 0:
                fit = (score - low) / span if span > 1e-12 else 1.0
                scores[i] += weight * part * best * fit

    def _hit(self, chunk: Chunk, score: float, dense: float | None, lexical: float | None) -> Hit:
        return Hit(
            chunk.id,
            chunk.text,
            float(score),
            chunk.start,
            chunk.end,
            self.metas[chunk.article_id],
            dense,
            lexical,
        )


@cache
def _side_threads() -> ThreadPoolExecutor:
    """Workers for the dense side of hybrid searches (one per concurrent search, up to 8)."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="qa-dense")


def _resync_hint(index_dir: Path | str, manifest: dict[str, Any]) -> str:
    """How to bring an index's BM25 side up to date: sync it again with what it was built from."""
    source = str(manifest.get("source", ""))
    if source.startswith("beir:"):
        how = f"run `qa eval DIR --work {index_dir}` again with its evaluation folder"
    else:
        how = f"run `qa index --seeds {source or 'DIR'} --index {index_dir}`"
    return f"{how} (BM25 is rewritten from the stored chunks; nothing is re-embedded)"


@dataclass(frozen=True)
class _Dates:
    """What a search knows of time: the caller's bounds, the as-of date, the question's period."""

    explicit: DateRange | None
    as_of: dt.date | None
    window: DateRange | None


def _filter(explicit: DateRange | None, as_of: dt.date | None) -> DateRange | None:
    """The hard date filter a search applied, as ``SearchResults.dates`` reports it."""
    if as_of is None:
        return explicit
    note = f"as of {as_of}: articles dated after it are left out"
    if explicit is None:
        return DateRange(None, as_of, "", note)
    until = as_of if explicit.until is None else min(explicit.until, as_of)
    return DateRange(explicit.since, until, "", f"{explicit.description}; {note}")


def _explicit_range(since: str | dt.date | None, until: str | dt.date | None) -> DateRange | None:
    low = dates.coerce_bound(since, end=False)
    high = dates.coerce_bound(until, end=True)
    if low is None and high is None:
        return None
    if low and high and low > high:
        raise InvalidArgumentError(f"since ({low}) is after until ({high})")
    return DateRange(low, high, "", dates.describe(low, high))
