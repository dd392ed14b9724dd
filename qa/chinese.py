"""Names in Chinese text, from jieba's part-of-speech tags.

Chinese has neither capitals nor spaces, so the shape by which an English name is found (a
capitalised word) does not exist. jieba, a dictionary and HMM word segmenter that ships its
dictionary, tags words as places (``ns``), people (``nr``), organisations (``nt``) and other
proper nouns (``nz``). It loads its dictionary on first use, about a second; text without
Chinese never loads it.
"""

from __future__ import annotations

import logging
from functools import lru_cache

NAME_TAGS = frozenset({"ns", "nr", "nrfg", "nrt", "nt", "nz"})


@lru_cache(maxsize=8192)
def name_mask(run: str) -> tuple[bool, ...]:
    """Per character of ``run`` (a run of Chinese characters): is it part of a name?"""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    mask: list[bool] = []
    for pair in jieba.posseg.cut(run, HMM=True):
        mask += [pair.flag in NAME_TAGS] * len(pair.word)
    return tuple(mask[: len(run)])
