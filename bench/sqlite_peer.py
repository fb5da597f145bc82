#!/usr/bin/env python3
"""The floor for an import into SQLite: every CSV file of a bundle loaded
as-is into a table of text columns (no keys, no indexes, no checks) with
Python's sqlite3 module, in one transaction, with SQLite's defaults.

    python3 bench/sqlite_peer.py BUNDLE_DIR DB_FILE

Prints the elapsed seconds.  Standard library only.
"""

import csv
import sqlite3
import sys
import time
from pathlib import Path


def main():
    bundle, db = Path(sys.argv[1]), Path(sys.argv[2])
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = WAL")
    with con:
        for f in sorted(bundle.glob("*.csv")):
            with open(f, newline="", encoding="utf-8") as fh:
                rows = csv.reader(fh)
                header = next(rows)
                cols = ", ".join(f'"{c}" TEXT' for c in header)
                con.execute(f'CREATE TABLE "{f.stem}" ({cols})')
                marks = ", ".join("?" for _ in header)
                con.executemany(f'INSERT INTO "{f.stem}" VALUES ({marks})', rows)
    con.close()
    print(f"{time.perf_counter() - start:.2f}")


if __name__ == "__main__":
    main()
