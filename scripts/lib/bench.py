#!/usr/bin/env python3
"""scripts/bench's helpers: the small HTTP loop, the process samples, and BENCHMARKS.md.

  bench.py post URL TOKEN LINES COUNT PREFIX   sequential order.created of LINES lines each,
                                                keep-alive; prints one JSON result line
  bench.py sample PID...                       utime+stime (ms) and VmRSS/VmHWM (KiB), summed
  bench.py simulate FILE                       simulate's --json report as our row (JSON)
  bench.py timed OUT ERR CMD...                 runs CMD (stdout to OUT, stderr added to ERR);
                                                prints its CPU time as JSON: the load generator's
                                                own share of the machine
  bench.py pg-sample DATADIR                    CPU time of each PostgreSQL server process
  bench.py table RESULTS.jsonl                 BENCHMARKS.md on stdout
"""

import http.client
import json
import os
import resource
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "tests", "fixtures", "order.created.json")


def read_simulate(report):
    """The one place that knows `orders-hook simulate --json`'s field names (docs/simulator.md,
    the report): `total` and `byEvent[...]` rows with `requests`, `throughput`, `retries`,
    `errors` (counts by kind) and `latencyMs` (`p50`, `p90`, `p99`, `p999`, `max`); `verdict.ok`;
    `orders` (started).
    """
    total = report.get("total", {})
    created = report.get("byEvent", {}).get("order.created", {})
    latency = created.get("latencyMs", {})
    verdict = report.get("verdict", {})
    return {
        "orders": report.get("orders"),
        "throughput": total.get("throughput"),
        "requests": total.get("requests"),
        "created_per_s": created.get("throughput"),
        "p50": latency.get("p50"),
        "p90": latency.get("p90"),
        "p99": latency.get("p99"),
        "p999": latency.get("p999"),
        "max": latency.get("max"),
        "retries": total.get("retries"),
        "errors": sum((total.get("errors") or {}).values()),
        "verdict": "ok" if verdict.get("ok") else "FAILED" + verdict_why(verdict),
    }


def verdict_why(verdict):
    """Which of the verdict's rules failed, with their counts."""
    rules = [("ordersWithSeveralNumbers", "with several numbers"),
             ("repeatsAnsweredDifferently", "repeats answered differently"),
             ("misshapenAnswers", "misshapen"), ("refusedAnswers", "refused"),
             ("undeliveredEvents", "undelivered")]
    failed = [f"{verdict[key]:,} {words}" for key, words in rules if verdict.get(key)]
    return f" ({', '.join(failed)})" if failed else ""


def body(order_id, lines):
    with open(FIXTURE, encoding="utf-8") as f:
        doc = json.load(f)
    doc["payload"]["originalOrderId"] = order_id
    positions = doc["payload"]["positions"]
    many = []
    for i in range(lines):
        line = dict(positions[i % len(positions)])
        line["id"] = str(4600000000000 + i)
        many.append(line)
    doc["payload"]["positions"] = many
    return json.dumps(doc, ensure_ascii=False).encode()


def percentile(sorted_ms, p):
    if not sorted_ms:
        return None
    return sorted_ms[min(len(sorted_ms) - 1, round((len(sorted_ms) - 1) * p))]


def post(url, token, lines, count, prefix):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies, errors = [], 0
    for i in range(count):
        data = body(f"{prefix}-{i}", lines)
        started = time.perf_counter()
        conn.request("POST", parts.path, data, {"Client-token": token,
                                                "Content-Type": "application/json"})
        answer = conn.getresponse()
        answer.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status != 200:
            errors += 1
    latencies.sort()
    print(json.dumps({
        "lines": lines, "requests": count, "errors": errors,
        "p50": percentile(latencies, 0.5), "p90": percentile(latencies, 0.9),
        "p99": percentile(latencies, 0.99), "max": latencies[-1] if latencies else None,
        "mean": sum(latencies) / len(latencies) if latencies else None,
    }))


def sample(pids):
    """CPU time and RSS of the service's processes, summed (the pool has three)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = {"cpu_ms": 0.0, "rss_kib": 0, "hwm_kib": 0}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                # The command name may hold spaces: count fields after its closing parenthesis.
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/status") as f:
                status = f.read()
        except OSError:
            continue  # a process that ended: nothing to add
        total["cpu_ms"] += (int(fields[11]) + int(fields[12])) * 1000 / ticks
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key == "VmRSS":
                total["rss_kib"] += int(value.split()[0])
            elif key == "VmHWM":
                total["hwm_kib"] += int(value.split()[0])
    print(json.dumps(total))


def timed(out, err, command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "wb") as stdout, open(err, "ab") as stderr:
        subprocess.run(command, stdout=stdout, stderr=stderr, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"cpu_ms": cpu * 1000}))


def pg_sample(data_dir):
    """CPU time of each PostgreSQL server process: the postmaster (first line of
    postmaster.pid) and its children — the backends the services' pools open (lazily, so some
    are born during a step), the WAL writer, the checkpointer."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open(os.path.join(data_dir, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    cpu = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone between the listing and the read
        if int(entry) == postmaster or int(fields[1]) == postmaster:
            cpu[entry] = (int(fields[11]) + int(fields[12])) * 1000 / ticks
    print(json.dumps({"pids": cpu}))


# ---- BENCHMARKS.md ---------------------------------------------------------------------------

def num(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return str(value)


def ratio(value, ceiling):
    if value is None or not ceiling:
        return "–"
    return f"{value / ceiling:.2f}×"


def cost(step):
    before, after = step.get("before"), step.get("after")
    requests = step.get("requests") or 0
    if not before or not after or not requests:
        return "–", "–"
    cpu = (after["cpu_ms"] - before["cpu_ms"]) / requests
    return f"{cpu:.2f}", f"{after['rss_kib'] / 1024:.1f} (peak {after['hwm_kib'] / 1024:.1f})"


def cpu_per_request(step, before_key, after_key=None):
    """CPU ms per request of another process group of the step: the simulator (`simulator`,
    one figure) or PostgreSQL (`pg_before`/`pg_after`, per process: one born during the step
    counts from zero); None when not sampled."""
    requests = step.get("requests") or 0
    if not requests:
        return None
    if after_key is None:
        spent = (step.get(before_key) or {}).get("cpu_ms")
    else:
        before, after = step.get(before_key), step.get(after_key)
        if not before or not after:
            return None
        spent = sum(cpu - before["pids"].get(pid, 0) for pid, cpu in after["pids"].items())
    return None if spent is None else spent / requests


def table(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    for r in rows:
        for nested in ("sim", "post"):
            r.update(r.pop(nested, None) or {})
    meta = next((r for r in rows if r["kind"] == "meta"), {})
    # The headline ceiling is the smallest order's; the others are in the size table.
    ceilings = {}
    for r in sorted((r for r in rows if r["kind"] == "ceiling"), key=lambda r: -r["lines"]):
        ceilings[r["backend"]] = r
    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w(f"Written by `scripts/bench` on {meta.get('date', '?')} ({meta.get('mode', '?')} run; "
      f"{meta.get('host', '?')}). Regenerate with `scripts/bench`; how it measures is in "
      "[docs/benchmarks.md](docs/benchmarks.md). Every ratio is to the storage ceiling "
      "measured in the same run.")
    if meta.get("note"):
        w("")
        w(meta["note"])
    w("")
    w("## The storage ceiling")
    w("")
    w("The rows of one `order.created` (order, lines in its document, history, the notices of two "
      "chats — more parts for a big order —, journal) written by a plain client on one connection: "
      "rusqlite on the calling thread for SQLite, sqlx for PostgreSQL (`benches/storage_ceiling.rs`).")
    w("")
    w("| backend | lines | commits/s, one order each | orders/s, 32 per commit |")
    w("|---|---:|---:|---:|")
    for c in (r for r in rows if r["kind"] == "ceiling"):
        backend = c["backend"]
        w(f"| {backend} | {c['lines']} | {num(c['one_per_commit'], 0)} | "
          f"{num(c['batched_32'], 0)} |")
    w("")
    w("## The service at fixed rates and at saturation (`orders-hook simulate`)")
    w("")
    sims = [r for r in rows if r["kind"] == "rate"]
    if not sims:
        w("Not measured in this run: `orders-hook simulate` was not available.")
    else:
        w("Fixed rates are open loop, as the marketplace sends: each request at its planned "
          "time whatever the answers, latency from that planned time (no coordinated omission), "
          "the marketplace's retry schedule (1 s doubling to 64 s). Saturation is a closed loop "
          "of a fixed number of senders, latency from the actual send, retry pauses a "
          "hundredth of the marketplace's. Events/s counts every event accepted once (each is "
          "one transaction), not repeats; latency is `order.created`'s, in ms. CPU is the "
          "service process's user+system time per request received; RSS after the step.")
        w("")
        w("| backend | pace | events/s | ÷ ceiling | created/s | ÷ ceiling | p50 | p90 | p99 "
          "| p99.9 | max | requests | retries | errors | verdict | CPU ms/req | RSS MB "
          "| simulator CPU ms/req | PostgreSQL CPU ms/req |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
          "---:|")
        for r in sims:
            ceiling = ceilings.get(r["backend"], {}).get("one_per_commit")
            cpu, rss = cost(r)
            pace = f"{r['target']} req/s" if str(r["target"]).isdigit() else r["target"]
            w(f"| {r['backend']} | {pace} | {num(r.get('throughput'))} | "
              f"{ratio(r.get('throughput'), ceiling)} | {num(r.get('created_per_s'))} | "
              f"{ratio(r.get('created_per_s'), ceiling)} | "
              f"{num(r.get('p50'), 2)} | {num(r.get('p90'), 2)} | {num(r.get('p99'), 2)} | "
              f"{num(r.get('p999'), 2)} | {num(r.get('max'), 2)} | {num(r.get('requests'), 0)} | "
              f"{num(r.get('retries'), 0)} | "
              f"{num(r.get('errors'), 0)} | {r.get('verdict') or '–'} | {cpu} | {rss} | "
              f"{num(cpu_per_request(r, 'simulator'), 2)} | "
              f"{num(cpu_per_request(r, 'pg_before', 'pg_after'), 2)} |")
    w("")
    w("## An order's size")
    w("")
    w("`order.created` sent one at a time over one keep-alive connection (`scripts/lib/bench.py "
      "post`), latency in ms; the ceiling column replays the same rows (same line count) "
      "without HTTP.")
    w("")
    w("| backend | lines | requests | p50 | p90 | p99 | max | CPU ms/req | RSS MB | "
      "ceiling commits/s | service orders/s ÷ ceiling |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in (r for r in rows if r["kind"] == "size"):
        cpu, rss = cost(r)
        ceiling = r.get("ceiling")
        rate = 1000 / r["mean"] if r.get("mean") else None
        w(f"| {r['backend']} | {r['lines']} | {r['requests']} | {num(r['p50'], 2)} | "
          f"{num(r['p90'], 2)} | {num(r['p99'], 2)} | {num(r['max'], 2)} | {cpu} | {rss} | "
          f"{num(ceiling, 0)} | {ratio(rate, ceiling)} |")
    w("")
    w("## The database's size")
    w("")
    w("Orders filled by direct SQL (copies of one real order, with its history, notices marked "
      "sent and journal row), then `order.created` sent one at a time as above.")
    w("")
    w("| backend | stored orders | requests | p50 | p90 | p99 | max | fill s |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in (r for r in rows if r["kind"] == "dbsize"):
        w(f"| {r['backend']} | {r['stored']:,} | {r['requests']} | {num(r['p50'], 2)} | "
          f"{num(r['p90'], 2)} | {num(r['p99'], 2)} | {num(r['max'], 2)} | "
          f"{num(r.get('fill_s'))} |")
    w("")
    w("## The pool: 3 instances behind nginx against one (PostgreSQL)")
    w("")
    pools = [r for r in rows if r["kind"] == "pool"]
    if not pools:
        w("Not measured in this run (smoke run, no nginx, or no `orders-hook simulate`).")
    else:
        w("Both through the same nginx (`deploy/nginx/`, plain HTTP listener added for the "
          "bench), at saturation; all processes share the machine's cores.")
        w("")
        w("CPU and RSS are summed over the instances (nginx and PostgreSQL not included).")
        w("")
        w("| instances | pace | events/s | ÷ ceiling | created/s | p50 | p99 | p99.9 | errors "
          "| verdict | CPU ms/req | RSS MB | simulator CPU ms/req | PostgreSQL CPU ms/req |")
        w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
        ceiling = ceilings.get("postgres", {}).get("one_per_commit")
        for r in pools:
            cpu, rss = cost(r)
            w(f"| {r['instances']} | {r['target']} | {num(r.get('throughput'))} | "
              f"{ratio(r.get('throughput'), ceiling)} | {num(r.get('created_per_s'))} | "
              f"{num(r.get('p50'), 2)} | "
              f"{num(r.get('p99'), 2)} | {num(r.get('p999'), 2)} | {num(r.get('errors'), 0)} | "
              f"{r.get('verdict') or '–'} | {cpu} | {rss} | "
              f"{num(cpu_per_request(r, 'simulator'), 2)} | "
              f"{num(cpu_per_request(r, 'pg_before', 'pg_after'), 2)} |")
        one = next((r for r in pools if r["instances"] == 1), None)
        three = next((r for r in pools if r["instances"] == 3), None)
        if one and three and one.get("throughput"):
            w("")
            w(f"3 instances carry {three['throughput'] / one['throughput']:.2f}× what one "
              "carries.")
    w("")
    writable_check(w, rows)
    goals(w, rows, ceilings)
    capacity(w, rows)
    print("\n".join(out))


def writable_check(w, rows):
    """Step 6: saturation with and without the once-per-connection writable check."""
    w("## The writable check (PostgreSQL)")
    w("")
    checks = [r for r in rows if r["kind"] == "writable"]
    if not checks:
        w("Not measured in this run (no PostgreSQL, or no `orders-hook simulate`).")
        w("")
        return
    w("One instance at saturation, orders only created, on a fresh database each time: "
      "`target_session_attrs=any` (no check) against `read-write` (the default: each new "
      "connection asks once whether its server takes writes), alternated round by round.")
    w("")
    w("| round | target_session_attrs | created/s | p50 | p99 | errors | CPU ms/req |")
    w("|---:|---|---:|---:|---:|---:|---:|")
    for r in checks:
        cpu, _ = cost(r)
        w(f"| {r['round']} | {r['check']} | {num(r.get('created_per_s'))} | "
          f"{num(r.get('p50'), 2)} | {num(r.get('p99'), 2)} | {num(r.get('errors'), 0)} | "
          f"{cpu} |")
    mean = {}
    for check in ("any", "read-write"):
        values = [r["created_per_s"] for r in checks
                  if r["check"] == check and r.get("created_per_s")]
        mean[check] = sum(values) / len(values) if values else None
    if mean["any"] and mean["read-write"]:
        w("")
        w(f"With the check the instance carries {mean['read-write'] / mean['any']:.3f}× the "
          "created orders/s it carries without (means of the rounds; the goal: at least "
          "0.95×).")
    w("")


def find(rows, kind, backend, target):
    return next((r for r in rows if r["kind"] == kind and r["backend"] == backend
                 and str(r.get("target")) == target), None)


# The service's CPU per created order at saturation before the write path without hand-offs
# (BENCHMARKS.md of 2026-11-30 on this 2-core machine, "saturation, created only").
CPU_PER_CREATED_BEFORE = {"sqlite": 1.25, "postgres": 0.71}


def goals(w, rows, ceilings):
    """The issue's goals against this run's figures: measured, never asserted."""
    w("## The goals, against this run")
    w("")
    w("| goal | measured | met |")
    w("|---|---|---|")

    def line(goal, measured, met):
        shown = met if isinstance(met, str) else ('–' if met is None else ('yes' if met else 'no'))
        w(f"| {goal} | {measured} | {shown} |")

    sat = find(rows, "rate", "sqlite", "saturation, created only")
    ceiling = ceilings.get("sqlite", {}).get("one_per_commit")
    if sat and ceiling and sat.get("created_per_s"):
        x = sat["created_per_s"] / ceiling
        line(f"SQLite `FULL`, {sat.get('in_flight') or 32} senders of `order.created`: at least "
             "the one-order-per-commit ceiling of a plain client (on the way to 2×)",
             f"{sat['created_per_s']:,.0f}/s against {ceiling:,.0f} commits/s: {x:.2f}×",
             "yes, and 2×" if x >= 2 else x >= 1)
    for backend in ("sqlite", "postgres"):
        r = find(rows, "rate", backend, "saturation, created only")
        if not r or not r.get("before") or not r.get("after") or not r.get("requests"):
            continue
        cpu = (r["after"]["cpu_ms"] - r["before"]["cpu_ms"]) / r["requests"]
        base = CPU_PER_CREATED_BEFORE[backend]
        line(f"{backend}: service CPU per created order at saturation at most half of "
             f"{base:.2f} ms (BENCHMARKS.md of 2026-11-30, this machine)",
             f"{cpu:.2f} ms ({cpu / base:.2f}×)", cpu <= base / 2)
    for backend in ("sqlite", "postgres"):
        r = find(rows, "rate", backend, "500")
        if r and r.get("p99") is not None:
            line(f"{backend}: `order.created` p99 < 5 ms at 500 req/s", f"{r['p99']:.2f} ms",
                 r["p99"] < 5)
    r = find(rows, "rate", "sqlite", "2000")
    if r and r.get("p99") is not None:
        line("SQLite: p99 < 20 ms at 2,000 req/s", f"{r['p99']:,.2f} ms", r["p99"] < 20)
    # VmHWM only grows, and memory once taken stays with the process: a step counts as "kept
    # up" while no earlier load step of the same service process fell behind (errors), and a
    # pool step's processes are its own.
    overall, kept_up, fell_behind = [], [], set()
    for r in rows:
        if r["kind"] not in ("rate", "size", "pool") or not r.get("after"):
            continue
        instances = max(1, r.get("instances") or 1)
        peak = r["after"]["hwm_kib"] / 1024 / instances
        where = f"{r['backend']} {r['kind']} {r.get('target') or r.get('lines')}"
        overall.append((peak, where))
        process = (r["kind"] == "pool", r["backend"])
        if r["kind"] == "size" or process in fell_behind:
            continue
        if (r.get("errors") or 0) > 0 or not str(r.get("verdict") or "").startswith("ok"):
            fell_behind.add(process)
            continue
        kept_up.append((peak, where))
    if overall:
        peak, where = max(overall)
        parts = []
        if kept_up:
            parts.append("at most {:.1f} MB ({}) while it kept up".format(*max(kept_up)))
        parts.append(f"peak {peak:.1f} MB ({where})")
        met = None
        if kept_up:
            met = max(kept_up)[0] < 50
        line("RSS under load < 50 MB per instance", "; ".join(parts),
             "partly" if met and peak >= 50 else met)
    for backend in ("sqlite", "postgres"):
        biggest = max((r for r in rows if r["kind"] == "size" and r["backend"] == backend
                       and r.get("p99") is not None), key=lambda r: r["lines"], default=None)
        if biggest:
            line(f"{backend}: the biggest order measured ({biggest['lines']:,} lines) answered "
                 "in under 1 s", f"p99 {biggest['p99']:,.1f} ms", biggest["p99"] < 1000)
    for backend in ("sqlite", "postgres"):
        sizes = sorted((r for r in rows if r["kind"] == "dbsize" and r["backend"] == backend),
                       key=lambda r: r["stored"])
        if len(sizes) >= 2 and sizes[0].get("p50") and sizes[-1].get("p50"):
            small, big = sizes[0], sizes[-1]
            x50, x99 = big["p50"] / small["p50"], big["p99"] / small["p99"]
            line(f"{backend}: created latency at {big['stored']:,} stored orders within 20% of "
                 f"{small['stored']:,}",
                 f"p50 {x50:.2f}×, p99 {x99:.2f}×", x50 <= 1.2)
    pools = {r["instances"]: r for r in rows if r["kind"] == "pool"}
    if 1 in pools and 3 in pools and pools[1].get("throughput"):
        x = pools[3]["throughput"] / pools[1]["throughput"]
        line("PostgreSQL: 3 instances behind nginx against one", f"{x:.2f}×", None)
    w("")


def capacity(w, rows):
    """Orders a day on paper, from the per-request costs measured at saturation."""
    lines = []
    for backend in ("sqlite", "postgres"):
        r = find(rows, "rate", backend, "saturation")
        if not r or not r.get("created_per_s") or not r.get("requests"):
            continue
        per_order = r["requests"] / max(1, r.get("orders") or 0) if r.get("orders") else None
        svc_cpu = None
        before, after = r.get("before"), r.get("after")
        if before and after:
            svc_cpu = (after["cpu_ms"] - before["cpu_ms"]) / r["requests"]
        pg_cpu = cpu_per_request(r, "pg_before", "pg_after")
        lines.append((backend, r, per_order, svc_cpu, pg_cpu))
    if not lines:
        return
    w("## Capacity on paper")
    w("")
    w("From the saturation runs of whole lifecycles above (requests per order as the simulator "
      "sent them, repeats and retries included). A day's orders are not spread evenly: the "
      "figures below are what a full day at this rate would hold, so divide by the peak hour's "
      "share (an evening peak of 3× the mean means a third of it).")
    w("")
    w("| backend | requests per order | measured orders/s | orders/day at that rate | service "
      "CPU ms/req | service orders/day per core | PostgreSQL CPU ms/req | PostgreSQL orders/day "
      "per core |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, r, per_order, svc_cpu, pg_cpu in lines:
        def per_core(cpu):
            if not cpu or not per_order:
                return None
            return 1000 / cpu / per_order * 86400
        w(f"| {backend} | {num(per_order, 2)} | {num(r['created_per_s'])} | "
          f"{num(r['created_per_s'] * 86400, 0)} | {num(svc_cpu, 2)} | "
          f"{num(per_core(svc_cpu), 0)} | {num(pg_cpu, 2)} | {num(per_core(pg_cpu), 0)} |")
    w("")


def main(argv):
    command = argv[1]
    if command == "post":
        post(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6])
    elif command == "sample":
        sample([int(pid) for pid in argv[2:]])
    elif command == "simulate":
        with open(argv[2], encoding="utf-8") as f:
            print(json.dumps(read_simulate(json.load(f))))
    elif command == "timed":
        timed(argv[2], argv[3], argv[4:])
    elif command == "pg-sample":
        pg_sample(argv[2])
    elif command == "table":
        table(argv[2])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
