#!/usr/bin/env bash
# The retrieval table of the README: every mode on the four public sets (first 400 queries
# of the large ones; scifact's 300 and rgb's 100 in full), indexes kept in $WORK for reuse.
#   bash bench/eval_all.sh [WORK]      -> bench/out/eval_<set>.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/qa-eval}
export HF_HUB_OFFLINE=1
for set in scifact_beir rgb_en_fact xquad_en squad2_cs224n_dev; do
  .venv/bin/qa eval "../shared/eval/$set" --mode all --limit 400 --work "$WORK/$set" --json -q \
    > "bench/out/eval_$set.jsonl"
done
.venv/bin/python - <<'PY'
import json, pathlib
rows = [json.loads(l) for p in sorted(pathlib.Path("bench/out").glob("eval_*.jsonl"))
        for l in p.read_text().splitlines() if '"mode"' in l]
print("| set | mode | queries | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | answer@5 |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    a = "-" if r["answer@5"] is None else f"{r['answer@5']:.3f}"
    print(f"| {r['set']} | {r['mode']} | {r['n_queries']} | {r['recall@1']:.3f} | "
          f"{r['recall@5']:.3f} | {r['recall@10']:.3f} | {r['mrr@10']:.3f} | "
          f"{r['ndcg@10']:.3f} | {a} |")
PY
