"""Embedding on Ray workers: ``qa index --ray [ADDRESS]``.

A build chunks locally (it needs the tokenizer only), then hands each slice of texts to be
embedded to a pool of Ray actors, split evenly between them. Each actor loads the model once
and keeps it. The vectors come back to the build, which writes them through the normal sync
(folder or PostgreSQL), so everything else about a build stays as it was: only new and
changed articles are embedded, and the index is published atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from qa.errors import QAError
from qa.index.embedding import DEFAULT_ENCODER, Embedder, load_embedder

logger = logging.getLogger(__name__)

INSTALL = "pip install ray"
LOCAL = "local"  # start a Ray of our own, on loopback


class RayEmbedder(Embedder):
    """An ``Embedder`` whose ``encode`` runs on Ray actors; counting tokens stays local."""

    def __init__(self, local: Embedder, actors: Sequence[Any], ray: Any) -> None:
        self.name = local.name
        self.model = None
        self.dim = local.dim
        self.max_seq_length = local.max_seq_length
        self.encoder = local.encoder
        self._count = local.count_tokens
        self.actors = list(actors)
        self._ray = ray

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool | None = None
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        shards = np.array_split(np.arange(len(texts)), min(len(self.actors), len(texts)))
        futures = [
            actor.encode.remote([texts[i] for i in shard], batch_size)
            for actor, shard in zip(self.actors, shards)
        ]
        parts = self._ray.get(futures)
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def _worker_class(ray: Any) -> Any:
    @ray.remote(num_cpus=1)
    class EmbedWorker:
        """Loads the model once; embeds what it is sent."""

        def __init__(self, name: str, encoder: str, threads: int) -> None:
            import torch

            torch.set_num_threads(threads)
            from qa.index.embedding import load_embedder

            self.embedder = load_embedder(name, encoder)

        def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
            return self.embedder.encode(texts, batch_size=batch_size, show_progress=False)

        def ready(self) -> bool:
            return True

    return EmbedWorker


@contextmanager
def ray_embedder(
    address: str = LOCAL,
    workers: int = 2,
    *,
    model: str | None = None,
    encoder: str | None = None,
    threads: int = 1,
) -> Iterator[RayEmbedder]:
    """Ray actors that embed with ``model`` and ``encoder``, ready for ``sync_index``.

    Args:
        address: "local" starts a Ray of our own on loopback with ``workers`` CPUs (and stops
            it afterwards); anything else is the address of a running cluster ("auto",
            "ray://host:10001", "host:6379").
        workers: how many actors; each takes one CPU and ``threads`` torch threads.

    Raises:
        ImportError: ray is not installed.
        QAError: the cluster cannot be reached.
    """
    if workers < 1:
        raise QAError(f"--workers must be at least 1, got {workers}")
    try:
        import ray
    except ImportError as exc:
        raise ImportError(f"--ray needs Ray: {INSTALL}") from exc
    local = load_embedder(model, encoder or DEFAULT_ENCODER)
    started = not ray.is_initialized()
    if started:
        _start(ray, address, workers)
    try:
        worker = _worker_class(ray)
        actors = [worker.remote(local.name, local.encoder, threads) for _ in range(workers)]
        ray.get([a.ready.remote() for a in actors])  # every model loaded before timing starts
        logger.info("%d Ray workers embed with %s (%s)", workers, local.name, local.encoder)
        yield RayEmbedder(local, actors, ray)
    finally:
        for actor in locals().get("actors", []):
            ray.kill(actor)
        if started:
            ray.shutdown()


def _start(ray: Any, address: str, workers: int) -> None:
    try:
        if address == LOCAL:
            ray.init(
                address="local",
                num_cpus=workers,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise QAError(f"cannot reach the Ray cluster at {address}: {exc}") from exc
