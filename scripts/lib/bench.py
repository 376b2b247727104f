#!/usr/bin/env python3
"""scripts/bench's helpers: the small HTTP loop, the process samples, and BENCHMARKS.md.

  bench.py post URL TOKEN LINES COUNT PREFIX   sequential order.created of LINES lines each,
                                                keep-alive; prints one JSON result line
  bench.py sample PID...                       utime+stime (ms) and VmRSS/VmHWM (KiB), summed
  bench.py simulate FILE                       simulate's --json report as our row (JSON)
  bench.py table RESULTS.jsonl                 BENCHMARKS.md on stdout
"""

import http.client
import json
import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "tests", "fixtures", "order.created.json")


def read_simulate(report):
    """The one place that knows `orders-hook simulate --json`'s field names (README,
    "Simulator"): `total` and `byEvent[...]` rows with `requests`, `throughput`, `retries`,
    `errors` (counts by kind) and `latencyMs` (`p50`, `p90`, `p99`, `p999`, `max`); `verdict.ok`.
    """
    total = report.get("total", {})
    created = report.get("byEvent", {}).get("order.created", {})
    latency = created.get("latencyMs", {})
    verdict = report.get("verdict", {})
    return {
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
        "verdict": "ok" if verdict.get("ok") else "FAILED",
    }


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
        with open(f"/proc/{pid}/stat") as f:
            # The command name may hold spaces: count fields after its closing parenthesis.
            fields = f.read().rsplit(")", 1)[1].split()
        total["cpu_ms"] += (int(fields[11]) + int(fields[12])) * 1000 / ticks
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key == "VmRSS":
                    total["rss_kib"] += int(value.split()[0])
                elif key == "VmHWM":
                    total["hwm_kib"] += int(value.split()[0])
    print(json.dumps(total))


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
      f"{meta.get('host', '?')}). Regenerate with `scripts/bench`; how it measures is in the "
      "README (Benchmark). Every ratio is to the storage ceiling measured in the same run.")
    if meta.get("note"):
        w("")
        w(meta["note"])
    w("")
    w("## The storage ceiling")
    w("")
    w("The rows of one `order.created` (order, lines in its document, history, the notices of two "
      "chats — more parts for a big order —, journal) written straight through sqlx on one connection (`benches/storage_ceiling.rs`).")
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
        w("Latency of `order.created` in ms, from the intended send time. CPU is the service "
          "process's user+system time per request; RSS after the step.")
        w("")
        w("| backend | target req/s | achieved req/s | ÷ ceiling | created/s | p50 | p90 | p99 "
          "| p99.9 | max | retries | errors | verdict | CPU ms/req | RSS MB |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
        for r in sims:
            ceiling = ceilings.get(r["backend"], {}).get("one_per_commit")
            cpu, rss = cost(r)
            w(f"| {r['backend']} | {r['target']} | {num(r.get('throughput'))} | "
              f"{ratio(r.get('throughput'), ceiling)} | {num(r.get('created_per_s'))} | "
              f"{num(r.get('p50'), 2)} | {num(r.get('p90'), 2)} | {num(r.get('p99'), 2)} | "
              f"{num(r.get('p999'), 2)} | {num(r.get('max'), 2)} | {num(r.get('retries'), 0)} | "
              f"{num(r.get('errors'), 0)} | {r.get('verdict') or '–'} | {cpu} | {rss} |")
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
        w("| instances | target req/s | achieved req/s | ÷ ceiling | p50 | p99 | p99.9 | errors "
          "| CPU ms/req | RSS MB |")
        w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        ceiling = ceilings.get("postgres", {}).get("one_per_commit")
        for r in pools:
            cpu, rss = cost(r)
            w(f"| {r['instances']} | {r['target']} | {num(r.get('throughput'))} | "
              f"{ratio(r.get('throughput'), ceiling)} | {num(r.get('p50'), 2)} | "
              f"{num(r.get('p99'), 2)} | {num(r.get('p999'), 2)} | {num(r.get('errors'), 0)} | "
              f"{cpu} | {rss} |")
    w("")
    print("\n".join(out))


def main(argv):
    command = argv[1]
    if command == "post":
        post(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6])
    elif command == "sample":
        sample([int(pid) for pid in argv[2:]])
    elif command == "simulate":
        with open(argv[2], encoding="utf-8") as f:
            print(json.dumps(read_simulate(json.load(f))))
    elif command == "table":
        table(argv[2])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
