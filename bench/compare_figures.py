#!/usr/bin/env python3
"""Compare the figures of two report JSON files.

    python3 bench/compare_figures.py EXPECTED.json GOT.json

Compares `figures.<key>.value` key by key (and `suppressed`, when either side
has it).  Money strings are compared as decimals ("5.0" == "5.00"), numbers as
numbers.  For a `query` report a key missing on one side counts as 0 (zero
cells may be left out); for every other report a missing key is a difference.
Prints every difference and exits 1 when there is one, else prints a summary
and exits 0.  Standard library only.
"""

import json
import sys
from decimal import Decimal, InvalidOperation

MISSING = object()


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def norm(v):
    """Comparable form of a figure's value."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    if isinstance(v, str):
        try:
            return Decimal(v)
        except InvalidOperation:
            return v
    return v


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    exp, got = load(argv[1]), load(argv[2])
    if exp.get("report") != got.get("report"):
        print(f"report differs: expected {exp.get('report')!r}, got {got.get('report')!r}")
        return 1
    is_query = exp.get("report") == "query"
    ef, gf = exp.get("figures", {}), got.get("figures", {})
    diffs = []
    for key in list(ef) + [k for k in gf if k not in ef]:
        e, g = ef.get(key, MISSING), gf.get(key, MISSING)
        if is_query:   # a missing cell is a zero cell
            e = {"value": 0} if e is MISSING else e
            g = {"value": 0} if g is MISSING else g
        if e is MISSING or g is MISSING:
            diffs.append(f"{key}: expected {'(missing)' if e is MISSING else e.get('value')!r}, "
                         f"got {'(missing)' if g is MISSING else g.get('value')!r}")
            continue
        if norm(e.get("value")) != norm(g.get("value")) or \
                bool(e.get("suppressed")) != bool(g.get("suppressed")):
            diffs.append(f"{key}: expected {e.get('value')!r}, got {g.get('value')!r}")
    if diffs:
        print(f"{len(diffs)} difference(s) in {exp.get('report')}:")
        for d in diffs:
            print("  " + d)
        return 1
    print(f"{exp.get('report')}: all {len(ef)} expected figures match "
          f"({len(gf)} figures in {argv[2]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
