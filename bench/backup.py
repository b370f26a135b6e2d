"""Backup and restore of the benchmark data set on both backends, with the databases' own
tools as the baseline in the same run: SQLite's online backup API (Python's sqlite3) and
PostgreSQL's pg_dump / pg_restore (custom format).

    python3 bench/backup.py --tanhui BIN --db PATH.db --pg postgres://postgres@127.0.0.1:5432 --out DIR

The county's move is measured as it is done: the SQLite database is backed up, restored into
PostgreSQL, backed up there and restored into a new SQLite file; every digest must equal the
first (the script stops otherwise). Prints wall times, file sizes and ratios to the baseline.
Never fails on a timing.
"""

import argparse
import os
import re
import sqlite3
import subprocess
import time


def run(args, **kwargs):
    started = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return took, result.stdout


def digest_of(printed):
    match = re.search(r"digest ([0-9a-f]{64})", printed)
    if not match:
        raise SystemExit(f"no digest in: {printed}")
    return match.group(1)


def psql(base, sql):
    subprocess.run(["psql", f"{base}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def size(path):
    return os.path.getsize(path)


def mb(n):
    return f"{n / 1e6:,.1f} MB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tanhui", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--pg", required=True, help="server URL without a database name")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pg_db, pg_base = "tanhui_bench_restore", args.pg.rstrip("/")
    for name in (pg_db, pg_db + "_dump"):
        psql(pg_base, f"DROP DATABASE IF EXISTS {name}")
    rows = []

    sqlite_file = os.path.join(args.out, "sqlite.tanhui-backup")
    took, printed = run([args.tanhui, "backup", "--db", f"sqlite://{args.db}", "--out", sqlite_file])
    digest = digest_of(printed)
    source_bytes = size(args.db)

    copy = os.path.join(args.out, "copy.db")
    if os.path.exists(copy):
        os.remove(copy)
    started = time.perf_counter()
    with sqlite3.connect(args.db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    baseline = time.perf_counter() - started
    rows.append(("backup, SQLite", took, size(sqlite_file), "sqlite3 online backup API", baseline, size(copy)))

    restored_pg = f"{pg_base}/{pg_db}"
    took, printed = run([args.tanhui, "restore", "--db", restored_pg, sqlite_file])
    assert digest_of(printed) == digest, "restore into PostgreSQL changed the digest"
    dump = os.path.join(args.out, "pg.dump")
    pg_took, _ = run(["pg_dump", "-Fc", "-f", dump, restored_pg])

    pg_file = os.path.join(args.out, "postgres.tanhui-backup")
    backup_took, printed = run([args.tanhui, "backup", "--db", restored_pg, "--out", pg_file])
    assert digest_of(printed) == digest, "the PostgreSQL backup has another digest"
    rows.append(("backup, PostgreSQL", backup_took, size(pg_file), "pg_dump -Fc", pg_took, size(dump)))

    psql(pg_base, f"CREATE DATABASE {pg_db}_dump")
    pg_restore_took, _ = run(["pg_restore", "-d", f"{pg_base}/{pg_db}_dump", dump])
    rows.append(("restore into PostgreSQL (from the SQLite backup)", took, None, "pg_restore", pg_restore_took, None))

    back = os.path.join(args.out, "restored.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(back + suffix):
            os.remove(back + suffix)
    took, printed = run([args.tanhui, "restore", "--db", f"sqlite://{back}", pg_file])
    assert digest_of(printed) == digest, "restore into SQLite changed the digest"
    rows.append(("restore into SQLite (from the PostgreSQL backup)", took, None, "file copy", None, None))

    digest_took, printed = run([args.tanhui, "digest", "--db", f"sqlite://{args.db}"])
    assert printed.strip() == digest

    print(f"source: {args.db} ({mb(source_bytes)}); every digest {digest[:16]}… equal")
    print(f"{'step':<52} {'tanhui':>9} {'file':>11}   {'baseline':<28} {'time':>8} {'file':>11} {'ratio':>6}")
    for step, took, file_bytes, base_name, base_took, base_bytes in rows:
        ratio = f"{took / base_took:.2f}×" if base_took else ""
        print(
            f"{step:<52} {took:>8.1f}s {mb(file_bytes) if file_bytes else '':>11}   {base_name:<28} "
            f"{(f'{base_took:.1f}s' if base_took else ''):>8} {mb(base_bytes) if base_bytes else '':>11} {ratio:>6}"
        )
    print(f"{'tanhui digest, SQLite':<52} {digest_took:>8.1f}s")
    for name in (pg_db, pg_db + "_dump"):
        psql(pg_base, f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
