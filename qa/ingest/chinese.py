"""Reading Chinese text: names, from jieba's part-of-speech tags, and numerals.

Chinese has neither capitals nor spaces, so the shape by which an English name is found (a
capitalised word) does not exist. jieba, a dictionary and HMM word segmenter that ships its
dictionary, tags words as places (``ns``), people (``nr``), organisations (``nt``) and other
proper nouns (``nz``). It loads its dictionary on first use, about a second; text without
Chinese never loads it. Ordinals and years written in Chinese numerals (第二十四届, 二〇二三年)
are read as numbers, so that they match the digits a question or another article may use.
``cjk_share`` says how much of a text is written in Chinese, so that the stages that treat
Chinese otherwise (fusion, abstention) can follow the language of a question or a passage.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

NAME_TAGS = frozenset({"ns", "nr", "nrfg", "nrt", "nt", "nz"})

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CJK_CHAR = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[^\W\d_\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_UNITS = {"十": 10, "百": 100, "千": 1000}
# 第 + a numeral (an ordinal: 第二十四届, 第十四个五年规划) or four digit numerals + 年 (a year).
_CHINESE_NUMBER = re.compile(
    r"第([零〇一二两三四五六七八九十百千]+)|([零〇一二三四五六七八九]{4})年"
)


def cjk_share(text: str) -> float:
    """The share of ``text``'s words written in Chinese characters, 0..1 (0 for no words).

    A Chinese word is counted per two characters (the usual length of one), a word of other
    letters as one, digits not at all: "华为 Xu Zhijun 在哪里" is 2.5 Chinese words of 4.5.
    """
    cjk = len(_CJK_CHAR.findall(text)) / 2
    if not cjk:
        return 0.0
    return cjk / (cjk + len(_LATIN_WORD.findall(text)))


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


def numbers(run: str) -> list[str]:
    """The ordinals and years written in Chinese numerals in ``run``, in digits."""
    found = []
    for match in _CHINESE_NUMBER.finditer(run):
        value = numeral_value(match.group(1) or match.group(2))
        if value is not None:
            found.append(str(value))
    return found


def numeral_value(numeral: str) -> int | None:
    """The value of a Chinese numeral: 二十四 -> 24, 一百零五 -> 105, 十 -> 10, 二〇二三 -> 2023
    (digit by digit when it has no 十/百/千); None when it is not a well-formed number."""
    if not any(c in _UNITS for c in numeral):
        return int("".join(str(_DIGITS[c]) for c in numeral))
    total, digit, last_unit = 0, None, 10_000
    for c in numeral:
        if c in "零〇":
            continue  # a placeholder between units: 一百零五
        if c in _DIGITS:
            if digit is not None:
                return None  # two digits in a row: 二三十 is not a number
            digit = _DIGITS[c]
        else:
            unit = _UNITS[c]
            if unit >= last_unit:
                return None  # units must fall: 十百 is not a number
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)
