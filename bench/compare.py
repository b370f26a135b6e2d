"""Compare the engine's figures (from `cargo bench -p server --bench engine`) with the same
figures computed by plain SQL on SQLite and on DuckDB, on the same data, in the same run.

(a) every catalogue sum for every unit (village, township, county, prefecture) x wave x
    single disaggregation (none, model, registration, sex, ethnicity), from the tables
    (median of 3 runs on SQLite and 5 on DuckDB; the engine's is the median of its warm builds);
(b) one dashboard query: Liangshan, latest wave, all sums and ratios, by model, warm.
Plot-based indicators are left out of the SQL (the engine includes them).
"""
import argparse
import csv
import json
import os
import sqlite3
import statistics
import time

import duckdb

TABLES = ["survey_facts", "surveys", "households", "poverty_lines"]

FACTS = """
SELECT CAST(h.village_code AS VARCHAR) AS v, s.wave AS wave, h.model AS model, h.poverty_registration AS reg,
  h.head_sex AS sex, h.head_ethnicity AS eth,
  CASE WHEN h.model <> 'comparison' THEN 1 ELSE 0 END AS part,
  CASE WHEN h.poverty_registration <> 'non_poor' THEN 1 ELSE 0 END AS poor,
  f.size AS size, f.net_income_fen AS net,
  CASE WHEN f.net_income_fen < pl.amount_fen * f.size THEN f.size ELSE 0 END AS below,
  CASE WHEN f.guarantees_met = 1 AND f.net_income_fen >= pl.amount_fen * f.size THEN 1 ELSE 0 END AS gmet,
  f.programme_days AS pdays, f.programme_wages_fen AS pwages, f.women_programme_days AS wdays,
  f.equity_shares_positive AS eq, f.equity_land_milli_mu AS land, f.dividends_fen AS dividends,
  f.understory_milli_mu AS uarea, f.understory_net_fen AS unet, f.livestock_head_end AS heads,
  f.livestock_net_fen AS lnet, f.trained_persons AS trained
FROM survey_facts f JOIN surveys s ON s.id = f.survey_id JOIN households h ON h.id = s.household_id
JOIN poverty_lines pl ON pl.year = s.wave AND pl.scheme = 'national'
WHERE s.status = 'approved'
"""

SUMS = """COUNT(*) AS hh, SUM(part) AS part, SUM(poor) AS poor, SUM(poor * part) AS poor_part,
  SUM(size) AS people, SUM(net) AS net, SUM(below) AS below, SUM(gmet) AS gmet, SUM(pdays) AS pdays,
  SUM(pwages) AS pwages, SUM(wdays) AS wdays, SUM(eq) AS eq, SUM(land) AS land, SUM(dividends) AS dividends,
  SUM(uarea) AS uarea, SUM(unet) AS unet, SUM(heads) AS heads, SUM(lnet) AS lnet, SUM(trained) AS trained,
  SUM(net) * 1.0 / NULLIF(SUM(size), 0) AS per_capita_fen,
  SUM(below) * 100.0 / NULLIF(SUM(size), 0) AS headcount_pct,
  SUM(poor * part) * 100.0 / NULLIF(SUM(poor), 0) AS poor_participation_pct"""


def cube_sql(facts):
    parts = []
    for length in (12, 9, 6, 4):
        for dim in ("NULL", "model", "reg", "sex", "eth"):
            parts.append(
                f"SELECT substr(v, 1, {length}) AS unit, wave, {dim} AS slice_value, {SUMS} "
                f"FROM {facts} GROUP BY 1, 2, 3"
            )
    return " UNION ALL ".join(parts)


def dashboard_sql(wave):
    return (
        f"WITH f AS ({FACTS}) SELECT model, {SUMS} FROM f "
        f"WHERE substr(v, 1, 4) = '5134' AND wave = {wave} GROUP BY model ORDER BY model"
    )


def overall_sql(wave):
    return f"WITH f AS ({FACTS}) SELECT SUM(net) * 1.0 / SUM(size) / 100.0 FROM f WHERE wave = {wave}"


def export_csv(db, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    stamp = os.path.join(out_dir, ".exported")
    if os.path.exists(stamp) and os.path.getmtime(stamp) > os.path.getmtime(db):
        return
    con = sqlite3.connect(db)
    for table in TABLES:
        cur = con.execute(f"SELECT * FROM {table}")
        with open(os.path.join(out_dir, f"{table}.csv"), "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c[0] for c in cur.description])
            writer.writerows(cur)
    open(stamp, "w").close()


def timed(fn, runs=1):
    """Median of `runs` calls, every sample, and the last result."""
    samples = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), samples, result


def sqlite_figures(db, wave):
    con = sqlite3.connect(db)

    def cube():
        con.execute("DROP TABLE IF EXISTS temp.facts")
        con.execute(f"CREATE TEMP TABLE facts AS {FACTS}")
        return con.execute(cube_sql("temp.facts")).fetchall()

    a, a_runs, rows = timed(cube, runs=3)
    con.execute(dashboard_sql(wave)).fetchall()  # warm
    b, _, _ = timed(lambda: con.execute(dashboard_sql(wave)).fetchall(), runs=5)
    overall = con.execute(overall_sql(wave)).fetchone()[0]
    return a, a_runs, b, len(rows), overall


def duckdb_figures(csv_dir, wave):
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('{os.path.join(csv_dir, table)}.csv')")

    def cube():
        con.execute(f"CREATE OR REPLACE TEMP TABLE facts AS {FACTS}")
        return con.execute(cube_sql("facts")).fetchall()

    a, a_runs, rows = timed(cube, runs=5)
    con.execute(dashboard_sql(wave)).fetchall()
    b, _, _ = timed(lambda: con.execute(dashboard_sql(wave)).fetchall(), runs=5)
    overall = con.execute(overall_sql(wave)).fetchone()[0]
    return a, a_runs, b, len(rows), overall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="SQLite file the engine read")
    parser.add_argument("--engine", required=True, help="JSON printed by the engine bench")
    parser.add_argument("--csv-dir", required=True)
    args = parser.parse_args()
    engine = json.load(open(args.engine))
    wave = 2021
    export_csv(args.db, args.csv_dir)
    sa, sa_runs, sb, s_rows, s_overall = sqlite_figures(args.db, wave)
    da, da_runs, db_, d_rows, d_overall = duckdb_figures(args.csv_dir, wave)

    ea = engine["a_build_ms"] / 1e3
    eb = engine["b_query_us"] / 1e6
    print(f"facts (approved surveys): {engine['facts']}, engine cells: {engine['cells']}, SQL cube rows: {s_rows} (DuckDB {d_rows})")
    print(f"{'figure':<58}{'engine':>12}{'SQLite':>12}{'DuckDB':>12}{'SQLite/eng':>12}{'DuckDB/eng':>12}")
    print(f"{'(a) all units x waves x single disaggregations, from DB':<58}{ea:>11.3f}s{sa:>11.3f}s{da:>11.3f}s{sa/ea:>12.2f}{da/ea:>12.2f}")
    runs = lambda xs: " ".join(f"{x:.3f}" for x in xs)
    print(f"{'    (a) runs, s: engine (first, then warm)':<58}{engine['a_first_build_ms']/1e3:.3f} | {runs(x/1e3 for x in engine['a_builds_ms'])}")
    print(f"{'    (a) runs, s: SQLite':<58}{runs(sa_runs)}")
    print(f"{'    (a) runs, s: DuckDB':<58}{runs(da_runs)}")
    print(f"{'(b) dashboard: 513400, 2021, all, by model (warm)':<58}{eb*1e3:>10.4f}ms{sb*1e3:>10.2f}ms{db_*1e3:>10.2f}ms{sb/eb:>12.0f}{db_/eb:>12.0f}")
    print(f"{'(b) same, with the change-feed check per request':<58}{engine['b_query_with_feed_check_us']/1e3:>10.4f}ms")
    print(f"{'(c) incremental update: engine upsert of one survey':<58}{engine['c_engine_upsert_us']:>10.1f}us")
    if engine.get("c_catch_up_ms") is not None:
        print(f"{'(c) whole catch-up after one approval (feed + facts + upsert)':<58}{engine['c_catch_up_ms']:>10.3f}ms")
    print(f"{'memory: resident set before -> after engine build':<58}{engine['rss_before_mib']:>8.0f} -> {engine['rss_after_build_mib']:.0f} MiB")
    print(f"{'memory: engine cells and facts (estimate)':<58}{engine['engine_estimate_mib']:>10.0f} MiB")
    ours = engine["prefecture_per_capita_net_income"]
    agree = all(abs(x - ours) < 1e-6 for x in (s_overall, d_overall))
    print(f"check: prefecture per-capita net income {wave}: engine {ours:.4f}, SQLite {s_overall:.4f}, DuckDB {d_overall:.4f} -> {'agree' if agree else 'DISAGREE'}")


if __name__ == "__main__":
    main()
