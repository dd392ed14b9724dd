#!/usr/bin/env bash
# The retrieval table of the README: every mode on the five public dev sets (first 400
# queries of the large ones; scifact's 300, rgb's 100 and realtimeqa's 270 in full), plus
# realtimeqa's second half (questions 136-270, not tuned on) and realtimeqa asked as of today
# (--no-question-dates). Indexes are kept in $WORK for reuse.
#   bash bench/eval_all.sh [WORK]      -> bench/out/eval_<run>.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/qa-eval}
export HF_HUB_OFFLINE=1
mkdir -p bench/out
run() {  # run NAME SET [qa eval options...]
  local name=$1 set=$2
  shift 2
  .venv/bin/qa eval "../shared/eval/$set" --mode all --work "$WORK/$set" --json -q "$@" \
    > "bench/out/eval_$name.jsonl"
}
for set in rgb_en_fact xquad_en squad2_cs224n_dev realtimeqa_2023_en; do
  run "$set" "$set" --limit 400
done
run realtimeqa_2023_en_second realtimeqa_2023_en --offset 135
run realtimeqa_2023_en_undated realtimeqa_2023_en --no-question-dates
run scifact_beir scifact_beir --limit 400
.venv/bin/python - <<'PY'
import json, pathlib
print("| run | mode | queries | dated | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | answer@5 |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in sorted(pathlib.Path("bench/out").glob("eval_*.jsonl")):
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if "mode" not in r:
            continue
        a = "-" if r["answer@5"] is None else f"{r['answer@5']:.3f}"
        print(f"| {path.stem[5:]} | {r['mode']} | {r['n_queries']} | {r.get('question_dates', 0)} | "
              f"{r['recall@1']:.3f} | {r['recall@5']:.3f} | {r['recall@10']:.3f} | "
              f"{r['mrr@10']:.3f} | {r['ndcg@10']:.3f} | {a} |")
PY
