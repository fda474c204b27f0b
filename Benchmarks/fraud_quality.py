"""Scores fraud_review.csv against the generator's truth file (see fraud_quality.sh)."""
import csv, glob, os, sys
from collections import defaultdict

truth_path, out = sys.argv[1], sys.argv[2]
truth = {row["payment_id"]: row["truth"] for row in csv.DictReader(open(truth_path))}
def table(name):
    paths = glob.glob(os.path.join(out, name + ".csv*"))
    return list(csv.DictReader(open(paths[0], newline="")))
guest_truth = defaultdict(set)
guests = set()
for row in table("guest_payments"):
    guests.add(row["guest_id"])
    if row["payment_id"] in truth: guest_truth[row["guest_id"]].add(truth[row["payment_id"]])
queue = table("fraud_review")
position = {row["guest_id"]: index for index, row in enumerate(queue)}
tier = {row["guest_id"]: row["tier"] for row in queue}
top = len(guests) * 0.05
testing = [g for g in guests if guest_truth[g] & {"card-testing", "confirmed-card"}]
confirmed = [g for g in guests if "confirmed-card" in guest_truth[g]]
ordinary = [g for g in guests if not guest_truth[g]]
def ratio(a, b): return a / b if b else float("nan")
found_top = sum(1 for g in testing if position.get(g, 1e18) < top)
found_conf = sum(1 for g in confirmed if tier.get(g) in ("review", "high"))
ordinary_queued = sum(1 for g in ordinary if g in tier)
print(f"guests {len(guests)}, in the queue {len(queue)} (top 5% = first {int(top)} rows)")
print(f"card-testing guests in the top 5%:       {found_top}/{len(testing)} = {ratio(found_top, len(testing)):.4f}   (target >= 0.99)")
print(f"confirmed cards at tier review or high:  {found_conf}/{len(confirmed)} = {ratio(found_conf, len(confirmed)):.4f}   (target >= 0.99)")
print(f"ordinary guests in the queue (any tier): {ordinary_queued}/{len(ordinary)} = {100 * ratio(ordinary_queued, len(ordinary)):.2f}%   (target <= 3%)")
expected = {"dispute-heavy": "disputes", "refund-abuser": "refund_rate", "card-with-many-emails": "emails_per_card", "velocity-spike": "velocity"}
for case, signal in expected.items():
    members = [g for g in guests if case in guest_truth[g]]
    hits = [g for g in members if g in position and next(r for r in queue if r["guest_id"] == g)[signal]]
    tiers = sorted({tier.get(g, "-") for g in members})
    print(f"planted {case:22s} found with {signal:16s} {len(hits)}/{len(members)} guests, tier {','.join(tiers)}")
signals = [c for c in (queue[0].keys() if queue else []) if c not in ("guest_id", "score", "tier", "reasons")]
fraud = set(g for g in guests if guest_truth[g])
print()
print(f"{'signal':18s} {'fired:fraud':>12s} {'fired:ordinary':>15s} {'silent:fraud':>13s} {'silent:ordinary':>16s} {'precision':>10s}")
by_id = {row["guest_id"]: row for row in queue}
for signal in signals:
    fired = set(g for g, row in by_id.items() if row[signal])
    tp, fp = len(fired & fraud), len(fired - fraud)
    fn, tn = len(fraud - fired), len(set(guests) - fraud - fired)
    print(f"{signal:18s} {tp:12d} {fp:15d} {fn:13d} {tn:16d} {ratio(tp, tp + fp):10.3f}")
