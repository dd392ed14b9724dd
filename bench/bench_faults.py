"""Faults an index must survive: builds killed at random moments, and each file damaged.

    .venv/bin/python bench/bench_faults.py [--kills 10] [--extra 120] [--seed 20]

Everything runs through the ``qa`` command, as a user would, in a temporary folder:

1. ``--kills`` times, a full build (``qa index --full``) of the seeds plus ``--extra`` generated
   articles is SIGKILLed at a random moment of its run. Then ``qa search`` must either answer
   from a consistent index (the golden article first) or fail with a one-line ``error:`` and
   no traceback; ``qa index`` must then leave one live generation and no debris, and
   ``qa search`` must answer.
2. Each file of a seeds index (``CURRENT``, the manifest, the FAISS index, the chunk table and
   the BM25 files) is damaged in three ways: cut to a third, deleted, overwritten with random
   bytes of the same size. The same checks follow: ``qa search`` answers or says in one line
   what is damaged and which command fixes it, and ``qa index`` heals it.

Prints one table per part and writes bench/out/faults.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import print_table, write_json

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Who met Huawei's rotating chairman?"
GOLDEN = "000_8acc33fc03b76885"
FILES = (
    "CURRENT",
    "manifest.json",
    "dense.faiss",
    "chunks.sqlite",
    "lexical/ids.npy",
    "lexical/vocab.index.json",
    "lexical/params.index.json",
    "lexical/data.csc.index.npy",
)
DAMAGE = ("truncate", "delete", "garbage")


def qa(*args: str, index: Path, seeds: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"QA_INDEX_DIR": str(index), "QA_SEEDS_DIR": str(seeds)}
    command = [sys.executable, "-m", "qa.cli", "-q", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)


def search(index: Path, seeds: Path) -> tuple[str, str]:
    """What ``qa search`` does now ("served", "one-line error with the fix", or what went
    wrong), and the error it printed."""
    out = qa("search", QUESTION, "-k", "1", "--json", index=index, seeds=seeds)
    message = out.stderr.strip()
    if out.returncode == 0:
        first = json.loads(out.stdout.splitlines()[0]) if out.stdout.strip() else {}
        served = first.get("article_id") == GOLDEN
        return ("served" if served else f"WRONG ANSWER {first}"), message
    one_line = out.stderr.startswith("error: ") and out.stderr.count("\n") == 1
    if one_line and "Traceback" not in out.stderr and "qa index" in out.stderr:
        return "one-line error with the fix", message
    return f"BAD ERROR rc={out.returncode}: {out.stderr[-300:]!r}", message


def heal(index: Path, seeds: Path) -> tuple[str, str]:
    """``qa index``, then what it did and what ``qa search`` does after it."""
    out = qa("index", "--json", index=index, seeds=seeds)
    if out.returncode != 0 or "Traceback" in out.stderr:
        return f"FAILED rc={out.returncode}: {out.stderr[-300:]!r}", "not run"
    report = json.loads(out.stdout)
    reason = report["full_rebuild_reason"] or ""
    if "damaged" in reason:
        said = "rebuilt: " + reason.split("(", 1)[1].split(")", 1)[0]
    elif report["written"]:
        said = "built anew (no index was there)"
    else:
        said = "nothing to rebuild"
    gens = sorted(p.name for p in index.glob("gen-*"))
    if len(gens) != 1:
        said += f"; DEBRIS {gens}"
    return said, search(index, seeds)[0]


WORDS = (
    "the committee reviewed budget harvest river bridge school hospital railway port festival "
    "museum library council survey rainfall exports tourism wheat copper orchestra marathon "
    "clinic ferry tunnel reservoir orchard vineyard lighthouse glacier canyon"
).split()


def generate(seeds: Path, n: int, rng: random.Random) -> None:
    """``n`` articles of made-up sentences, none about the golden question's subject."""
    for i in range(n):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + f" {rng.randint(1, 999)}."
            for _ in range(15)
        ]
        (seeds / f"gen_{i:04d}.txt").write_text(
            f"Generated report {i}\n\n2023-{1 + i % 12:02d}-15\n\n{' '.join(sentences)}\n",
            encoding="utf-8",
        )


def kills(work: Path, n: int, extra: int, rng: random.Random) -> list[dict[str, object]]:
    seeds, index = work / "kill-seeds", work / "kill-index"
    shutil.copytree(ROOT / "seeds", seeds)
    generate(seeds, extra, rng)
    started = time.perf_counter()
    assert qa("index", index=index, seeds=seeds).returncode == 0
    full = time.perf_counter() - started
    rows = []
    for i in range(n):
        moment = rng.uniform(0.05, 1.0) * full
        env = os.environ | {"QA_INDEX_DIR": str(index), "QA_SEEDS_DIR": str(seeds)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "qa.cli", "-q", "index", "--full"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(moment)
        finished = proc.poll() is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = len(list(index.glob("gen-*")))
        after_kill = search(index, seeds)[0]
        said, after_heal = heal(index, seeds)
        rows.append(
            {
                "kill": i + 1,
                "at_s": round(moment, 1),
                "build_s": round(full, 1),
                "finished_first": finished,
                "generations_left": left,
                "after_kill": after_kill,
                "qa_index": said,
                "after_heal": after_heal,
            }
        )
        print(rows[-1], flush=True)
    return rows


def damage(path: Path, how: str) -> None:
    """Cut ``path`` to a third, delete it, or overwrite it with random bytes of its size."""
    size = path.stat().st_size
    if how == "truncate":
        with open(path, "r+b") as fh:
            fh.truncate(size // 3)
    elif how == "delete":
        path.unlink()
    else:
        path.write_bytes(os.urandom(size))


def damages(work: Path) -> list[dict[str, object]]:
    seeds, pristine = ROOT / "seeds", work / "pristine"
    assert qa("index", index=pristine, seeds=seeds).returncode == 0
    rows = []
    for name in FILES:
        for how in DAMAGE:
            index = work / f"case-{name.replace('/', '_')}-{how}"
            shutil.copytree(pristine, index)
            gen = index / (index / "CURRENT").read_text().strip()
            damage(index / name if name == "CURRENT" else gen / name, how)
            outcome, message = search(index, seeds)
            said, after_heal = heal(index, seeds)
            rows.append(
                {
                    "file": name,
                    "damage": how,
                    "qa_search": outcome,
                    "message": message[:200],
                    "qa_index": said,
                    "after_heal": after_heal,
                }
            )
            print(rows[-1], flush=True)
            shutil.rmtree(index)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--extra", type=int, default=120, help="generated articles to build")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "faults.json"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        killed = kills(Path(tmp), args.kills, args.extra, rng)
        damaged = damages(Path(tmp))
    write_json(args.out, {"kills": killed, "damage": damaged})
    print_table(
        ("kill", "at", "of a full build", "generations left", "qa search", "qa index", "after it"),
        [
            (
                r["kill"],
                f"{r['at_s']} s",
                f"{r['build_s']} s",
                r["generations_left"],
                r["after_kill"],
                r["qa_index"],
                r["after_heal"],
            )
            for r in killed
        ],
    )
    print()
    print_table(
        ("file", "damage", "qa search", "qa index", "after it"),
        [(r["file"], r["damage"], r["qa_search"], r["qa_index"], r["after_heal"]) for r in damaged],
    )
    bad = [
        r
        for r in killed + damaged
        if any(
            str(v).startswith(("BAD", "WRONG", "FAILED")) or "DEBRIS" in str(v) for v in r.values()
        )
    ]
    print(f"\n{len(killed) + len(damaged)} cases, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
