"""Realistic synthetic archives for the benchmarks, made from ../shared/eval passages, and
the questions the seed articles answer.

Nothing from ../shared/eval is copied into the repository: articles are generated into a
temporary folder at run time.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
# Questions the five seed articles answer (answer latency, abstention calibration).
SEED_QUESTIONS = (
    "Who held talks with Xu Zhijun?",
    "Where were the talks with Xu Zhijun held?",
    "Who is the governor of Jilin?",
    "When did Nanjing sign the strategic cooperation agreement with CEC?",
    "Who presided over the opening ceremony of the automotive innovation conference?",
    "Which high-tech zone did Mayor Wang Ji visit?",
    "How many new energy automobile tires does the project produce a year?",
    "Who attended the talks with Huawei?",
)
SETS = ("rgb_en_fact", "squad2_cs224n_dev", "xquad_en", "scifact_beir")


def passages(limit: int | None = None) -> list[tuple[str, str]]:
    """(title, text) of every passage of the public evaluation corpora."""
    out: list[tuple[str, str]] = []
    for name in SETS:
        path = EVAL / name / "corpus.jsonl"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                out.append((row.get("title") or "", row["text"]))
    if not out:
        raise SystemExit(f"no corpora under {EVAL}: the benchmarks need ../shared/eval")
    return out[:limit] if limit else out


def write_archive(folder: Path, n_articles: int, seed: int = 0) -> list[Path]:
    """``n_articles`` news-like files (title line, date line, 2-4 paragraphs) in ``folder``."""
    rng = random.Random(seed)
    pool = passages()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    start = dt.date(2019, 1, 1)
    for i in range(n_articles):
        parts = [pool[(i * 3 + j) % len(pool)] for j in range(rng.randint(2, 4))]
        title = (parts[0][0] or parts[0][1][:60]).replace("_", " ")
        day = start + dt.timedelta(days=rng.randrange(2000))
        body = "\n\n".join(text for _, text in parts)
        path = folder / f"article_{i:05d}.txt"
        path.write_text(f"{title} ({i})\n\n{day.isoformat()}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths
