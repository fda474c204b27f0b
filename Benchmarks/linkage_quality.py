"""Pairwise precision and recall of a run's guests against the generator's people (see linkage.sh).

    python3 linkage_quality.py PEOPLE.csv OUTDIR [CARD_OUTDIR]

PEOPLE.csv is `guestpipe sample --people` (payment_id,person); OUTDIR a `guestpipe run` output
folder. Over the payments listed in OUTDIR/guest_payments.csv (payment_id, guest_id), a pair of
payments is *predicted* when both are in one guest and *true* when both have one person:
precision = |predicted and true| / |predicted|, recall = |predicted and true| / |true|. Counted
from the (guest, person) contingency table (sum of n(n-1)/2 over cells, guests and people),
never pair by pair. Prints one JSON object. Standard library only.

For a run of the card policy it also prints precision_at_full_recall: the contract keeps a card
in one guest whoever pays with it (spouses sharing a card are one guest by definition), so a
policy that finds every pair of a person (recall 1) also joins the people who share a card;
at best it joins nothing else, and this is its precision. A policy with lower recall can score
above it (the card policy does, by leaving apart a person's other cards).

With CARD_OUTDIR (a `--policy card` run on the same sample) it also scores against *payers*:
people joined when they paid with one card (the contract's "spouses sharing a card are one
guest"; no policy can tell them apart, since the card is all the data says). The card run's
card guests give the joins: precision_payers and recall_payers.
"""
import csv
import glob
import io
import json
import os
import subprocess
import sys


def pairs(n):
    return n * (n - 1) // 2


def open_table(out, name):
    """OUTDIR/NAME.csv, or NAME.csv.zst (run --compress zstd) through zstd -dc."""
    plain = os.path.join(out, name + ".csv")
    if os.path.exists(plain):
        return open(plain, newline="")
    packed = glob.glob(os.path.join(out, name + ".csv.zst"))
    if not packed:
        sys.exit(f"linkage_quality.py: no {name}.csv or {name}.csv.zst in {out}")
    data = subprocess.run(["zstd", "-dc", packed[0]], check=True, stdout=subprocess.PIPE).stdout
    return io.StringIO(data.decode("utf-8"), newline="")


class Joins:
    """Union-find over person numbers: which people are joined into one."""

    def __init__(self):
        self.parent = {}

    def root(self, p):
        parent = self.parent
        while parent.get(p, p) != p:
            parent[p] = parent.get(parent[p], parent[p])
            p = parent[p]
        return p

    def join(self, a, b):
        a, b = self.root(a), self.root(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def read_guests(out):
    """payment id -> guest number, and the guests whose payments were matched by card."""
    guest_number = {}
    guest_of = {}
    card_guest = set()
    with open_table(out, "guest_payments") as f:
        reader = csv.reader(f)
        header = next(reader)
        try:
            pid_col, gid_col = header.index("payment_id"), header.index("guest_id")
        except ValueError:
            sys.exit(f"linkage_quality.py: guest_payments has no payment_id/guest_id columns: {header}")
        kind_col = header.index("matched_identifier") if "matched_identifier" in header else None
        for row in reader:
            guest = guest_number.setdefault(row[gid_col], len(guest_number))
            if guest_of.setdefault(row[pid_col], guest) != guest:
                sys.exit(f"linkage_quality.py: payment {row[pid_col]} is in two guests")
            if kind_col is not None and row[kind_col] == "card":
                card_guest.add(guest)
    return guest_number, guest_of, card_guest


def payers(people_path, card_out):
    """person -> payer: people who paid with one card joined, from a card run's card guests."""
    _, guest_of, card_guest = read_guests(card_out)
    joins = Joins()
    first = {}
    with open(people_path) as f:
        f.readline()
        for line in f:
            pid, _, person = line.rstrip("\n").partition(",")
            guest = guest_of.get(pid)
            if guest is None or guest not in card_guest:
                continue
            joins.join(int(person), first.setdefault(guest, int(person)))
    return joins.root


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    people_path, out = sys.argv[1], sys.argv[2]
    payer_of = payers(people_path, sys.argv[3]) if len(sys.argv) == 4 else None

    # Guest payments: payment id -> guest number (guest ids numbered in file order).
    guest_number, guest_of, card_guest = read_guests(out)
    try:
        policy = json.load(open(os.path.join(out, "summary.json"))).get("policy")
    except (OSError, ValueError):
        policy = None

    # The contingency table, streamed from the people file: (guest << 32 | person) -> payments.
    cells = {}
    found = 0
    with open(people_path) as f:
        if f.readline().strip() != "payment_id,person":
            sys.exit(f"linkage_quality.py: {people_path} is not a people file (payment_id,person)")
        for line in f:
            pid, _, person = line.rstrip("\n").partition(",")
            guest = guest_of.get(pid)
            if guest is None:
                continue
            found += 1
            key = guest << 32 | int(person)
            cells[key] = cells.get(key, 0) + 1
    missing = len(guest_of) - found
    if missing:
        sys.exit(f"linkage_quality.py: {missing} of {len(guest_of)} guest payments are not in {people_path}"
                 " (a people file of another sample?)")

    guest_size = [0] * len(guest_number)
    guest_people = [0] * len(guest_number)
    person_size = {}
    both = 0
    for key, n in cells.items():
        guest, person = key >> 32, key & 0xFFFFFFFF
        guest_size[guest] += n
        guest_people[guest] += 1
        person_size[person] = person_size.get(person, 0) + n
        both += pairs(n)
    predicted = sum(pairs(n) for n in guest_size)
    true = sum(pairs(n) for n in person_size.values())
    ceiling = None
    if policy == "card" and true:
        # Under the card policy a card guest holds every payment of its card: join its people.
        joins = Joins()
        first = {}
        for key in cells:
            guest, person = key >> 32, key & 0xFFFFFFFF
            if guest in card_guest:
                joins.join(person, first.setdefault(guest, person))
        joined = {}
        for person, n in person_size.items():
            r = joins.root(person)
            joined[r] = joined.get(r, 0) + n
        ceiling = true / sum(pairs(n) for n in joined.values())
    precision_payers = recall_payers = None
    if payer_of is not None:
        by_payer = {}
        payer_size = {}
        for key, n in cells.items():
            guest, payer = key >> 32, payer_of(key & 0xFFFFFFFF)
            by_payer[guest << 32 | payer] = by_payer.get(guest << 32 | payer, 0) + n
            payer_size[payer] = payer_size.get(payer, 0) + n
        both_payers = sum(pairs(n) for n in by_payer.values())
        true_payers = sum(pairs(n) for n in payer_size.values())
        precision_payers = both_payers / predicted if predicted else None
        recall_payers = both_payers / true_payers if true_payers else None
    largest = max(range(len(guest_size)), key=guest_size.__getitem__) if guest_size else None
    largest_person = max(person_size.values(), default=0)
    print(json.dumps({
        "policy": policy,
        "payments": len(guest_of),
        "guests": len(guest_number),
        "largest_guest": guest_size[largest] if largest is not None else 0,
        "largest_guest_people": guest_people[largest] if largest is not None else 0,
        "guests_of_several_people": sum(1 for k in guest_people if k > 1),
        "people": len(person_size),
        "largest_person": largest_person,
        "largest_person_pair_share": pairs(largest_person) / true if true else None,
        "predicted_pairs": predicted,
        "true_pairs": true,
        "both_pairs": both,
        "precision": both / predicted if predicted else None,
        "recall": both / true if true else None,
        "precision_at_full_recall": ceiling,
        "precision_payers": precision_payers,
        "recall_payers": recall_payers,
    }))


if __name__ == "__main__":
    main()
