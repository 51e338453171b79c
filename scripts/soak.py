#!/usr/bin/env python3
"""Soak test: `dingwatch demo` at a steady rate for a long time (default one hour),
recording every 10 s the process's RSS, the consumer lag and the alert latency, into a
CSV and an SVG plot, so that a leak, a growing backlog or a slowing pipeline shows as a
slope. Not part of CI (it takes an hour); BENCHMARKS.md, "Soak", has a run.

    scripts/soak.py                                  # 1 h at 2,000 records/s
    scripts/soak.py --duration 600 --rate 5000 --out build/soak-short
    scripts/soak.py --render build/soak/soak.csv     # redraw the plot of a finished run

Python 3 standard library only. RSS comes from /proc/PID/status (VmRSS), everything
else from the metrics endpoint: lag is the sum of dingwatch_consumer_lag over partitions,
the latency quantiles are estimated from the dingwatch_alert_latency_seconds buckets
observed during each interval (as Prometheus's histogram_quantile over a 10 s rate).
"""

import argparse
import csv
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

COLUMNS = ["elapsed_s", "rss_mib", "lag", "consumed_total", "records_per_s", "alerts_total",
           "alerts_in_interval", "latency_p50_s", "latency_p99_s", "cpu_percent"]

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
LE = re.compile(r'le="([^"]+)"')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(url):
    """{name: [(labels, value)]} from the text exposition."""
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            out.setdefault(m.group(1), []).append((m.group(2) or "", float(m.group(3))))
    return out


def total(samples, name):
    return sum(v for _, v in samples.get(name, []))


def buckets(samples, name):
    """[(upper bound, cumulative count)] sorted by bound."""
    b = [(float(LE.search(labels).group(1)), v) for labels, v in samples.get(name + "_bucket", [])]
    return sorted(b)


def quantile(q, now, before):
    """histogram_quantile(q) over the observations between two scrapes (None if none)."""
    prev = dict(before)
    delta = [(le, c - prev.get(le, 0.0)) for le, c in now]
    if not delta or delta[-1][1] <= 0:
        return None
    rank = q * delta[-1][1]
    lower_le, lower_c = 0.0, 0.0
    for le, c in delta:
        if c >= rank:
            if math.isinf(le):
                return lower_le  # beyond the last finite bucket: its bound, as Prometheus does
            return lower_le + (le - lower_le) * (rank - lower_c) / max(c - lower_c, 1e-12)
        lower_le, lower_c = le, c
    return None


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fmt(v, digits=3):
    return "" if v is None else f"{v:.{digits}f}"


def start(cmd, log, **kw):
    print("soak:", " ".join(cmd), file=sys.stderr)
    return subprocess.Popen(cmd, stderr=log, **kw)


def run(args):
    """Starts the traffic and dingwatch, samples until the traffic ends; returns the CSV path.

    split (default): `dingwatch broker`, `dingwatch gen --brokers` and `dingwatch run` as
    three processes, so the RSS is dingwatch's own, not the embedded broker's stored log.
    demo: one `dingwatch demo` process (broker, generator and pipeline together)."""
    os.makedirs(args.out, exist_ok=True)
    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    log = open(os.path.join(args.out, "dingwatch.log"), "w")
    common = ["--metrics", f"127.0.0.1:{port}", "--log-level", "warn"]
    if args.threads:
        common += ["--threads", str(args.threads)]
    helpers = []
    if args.mode == "demo":
        watched = start([args.binary, "demo", "--rate", str(args.rate), "--duration", str(args.duration),
                         "--seed", str(args.seed), "--partitions", str(args.partitions)] + common + args.demo_args,
                        log, stdout=log)
        traffic = watched
    else:
        broker = start([args.binary, "broker", "--partitions", str(args.partitions)], log,
                       stdout=subprocess.PIPE, text=True)
        helpers.append(broker)
        bootstrap = broker.stdout.readline().strip()
        # The embedded broker holds an empty fetch for all of fetch.wait.max.ms (500 ms by
        # default) where a real one answers when records arrive: as `demo` does, ask for 2 ms.
        watched = start([args.binary, "run", "--brokers", bootstrap, "-X", "fetch.wait.max.ms=2"] + common
                        + args.demo_args, log, stdout=log)
        helpers.append(watched)
        traffic = start([args.binary, "gen", "--brokers", bootstrap, "--rate", str(args.rate), "--duration",
                         str(args.duration), "--seed", str(args.seed), "--bad-rate", "0.0005"], log,
                        stdout=subprocess.DEVNULL)
        helpers.append(traffic)
    csv_path = os.path.join(args.out, "soak.csv")
    try:
        deadline = time.monotonic() + 60
        while True:  # the embedded broker and the group join take a few seconds
            try:
                before = scrape(url)
                break
            except OSError:
                if watched.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"soak: dingwatch did not serve {url}; see {args.out}/dingwatch.log")
                time.sleep(0.5)
        start_t = time.monotonic()
        cpu_before, t_before = cpu_seconds(watched.pid), start_t
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            n = 1
            while traffic.poll() is None:
                time.sleep(max(0.0, start_t + n * args.interval - time.monotonic()))
                n += 1
                try:
                    now, rss, cpu = scrape(url), rss_mib(watched.pid), cpu_seconds(watched.pid)
                except OSError:
                    break  # the demo is finishing
                t = time.monotonic()
                lat_now = buckets(now, "dingwatch_alert_latency_seconds")
                lat_before = buckets(before, "dingwatch_alert_latency_seconds")
                consumed = total(now, "dingwatch_events_consumed_total")
                alerts = total(now, "dingwatch_alerts_total")
                w.writerow([f"{t - start_t:.0f}", f"{rss:.1f}", f"{total(now, 'dingwatch_consumer_lag'):.0f}",
                            f"{consumed:.0f}",
                            f"{(consumed - total(before, 'dingwatch_events_consumed_total')) / (t - t_before):.0f}",
                            f"{alerts:.0f}", f"{alerts - total(before, 'dingwatch_alerts_total'):.0f}",
                            fmt(quantile(0.5, lat_now, lat_before), 4), fmt(quantile(0.99, lat_now, lat_before), 4),
                            f"{100 * (cpu - cpu_before) / (t - t_before):.0f}"])
                f.flush()
                before, cpu_before, t_before = now, cpu, t
    finally:
        for p in [watched] + helpers[::-1]:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    print(f"soak: done; {csv_path}", file=sys.stderr)
    return csv_path


def read_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    def col(name):
        return [float(r[name]) if r[name] != "" else None for r in rows]
    return {c: col(c) for c in COLUMNS}


def nice_step(span, ticks=5):
    raw = span / ticks if span > 0 else 1
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def svg(data, title):
    """Three stacked panels (RSS, lag, alert latency p99/p50) over minutes, as SVG text."""
    x = [v / 60 for v in data["elapsed_s"]]
    panels = [("RSS (MiB)", [("rss_mib", "#1f77b4", "RSS")]),
              ("consumer lag (records)", [("lag", "#d62728", "lag, all partitions")]),
              ("alert latency (s)", [("latency_p99_s", "#2ca02c", "p99 per 10 s"),
                                     ("latency_p50_s", "#98df8a", "p50 per 10 s")])]
    W, H, left, right, top, gap = 860, 200, 70, 20, 40, 40
    height = top + len(panels) * (H + gap) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>']
    xmax = max(x) if x else 1
    xstep = nice_step(xmax, 8)
    for i, (label, series) in enumerate(panels):
        y0 = top + i * (H + gap)
        values = [v for key, _, _ in series for v in data[key] if v is not None]
        ymax = max(values) * 1.15 if values and max(values) > 0 else 1
        ystep = nice_step(ymax)
        ymax = math.ceil(ymax / ystep) * ystep
        px = lambda t: left + (W - left - right) * t / xmax
        py = lambda v: y0 + H - H * v / ymax
        out.append(f'<rect x="{left}" y="{y0}" width="{W - left - right}" height="{H}" fill="none" stroke="#888"/>')
        out.append(f'<text x="{left}" y="{y0 - 6}">{label}</text>')
        v = 0.0
        while v <= ymax + 1e-9:
            out.append(f'<line x1="{left}" x2="{W - right}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{left - 5}" y="{py(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
            v += ystep
        t = 0.0
        while t <= xmax + 1e-9:
            out.append(f'<text x="{px(t):.1f}" y="{y0 + H + 14}" text-anchor="middle">{t:g}</text>')
            t += xstep
        for j, (key, colour, name) in enumerate(series):
            points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, data[key]) if b is not None)
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
            out.append(f'<text x="{W - right - 5}" y="{y0 + 14 + 14 * j}" text-anchor="end" fill="{colour}">{name}</text>')
    out.append(f'<text x="{W / 2}" y="{height - 4}" text-anchor="middle">minutes</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def summary(data):
    def rng(key):
        v = [a for a in data[key] if a is not None]
        return (min(v), max(v)) if v else (float("nan"), float("nan"))
    rss, n = data["rss_mib"], len(data["elapsed_s"])
    tail = [r for t, r in zip(data["elapsed_s"], rss) if t >= 300]  # after the first 5 minutes
    p99, rate = rng("latency_p99_s"), [r for r in data["records_per_s"]]
    return "\n".join([
        f"- samples: {n} over {data['elapsed_s'][-1] / 60:.1f} min; "
        f"records/s: mean {sum(rate) / n:.0f} (min {min(rate):.0f}, max {max(rate):.0f})",
        f"- RSS: {rss[0]:.1f} MiB at the first sample, {rss[-1]:.1f} MiB at the end; "
        f"after 5 min between {min(tail or rss):.1f} and {max(tail or rss):.1f} MiB",
        f"- lag: max {max(data['lag']):.0f} records, {data['lag'][-1]:.0f} at the end",
        f"- alert latency p99 per 10 s: {p99[0]:.3f}–{p99[1]:.3f} s; "
        f"alerts: {data['alerts_total'][-1]:.0f}",
        f"- CPU: mean {sum(data['cpu_percent']) / n:.0f} % of one core"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default="build/release/app/dingwatch")
    p.add_argument("--duration", type=float, default=3600, help="seconds (default: one hour)")
    p.add_argument("--rate", type=float, default=2000, help="records per second (default: 2000)")
    p.add_argument("--interval", type=float, default=10, help="seconds between samples (default: 10)")
    p.add_argument("--threads", type=int, default=0, help="detection shards (default: the demo's)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--port", type=int, default=0, help="metrics port (default: a free one)")
    p.add_argument("--partitions", type=int, default=4, help="partitions per topic on the embedded broker")
    p.add_argument("--mode", choices=["split", "demo"], default="split",
                   help="split: broker, gen and run as three processes, RSS of `run` (default); "
                        "demo: one `dingwatch demo` process")
    p.add_argument("--out", default="build/soak", help="directory for soak.csv, soak.svg, demo.log")
    p.add_argument("--render", metavar="CSV", help="only redraw the plot and summary of a finished run")
    p.add_argument("demo_args", nargs="*", help="more `dingwatch run` (or demo) options, after --")
    args = p.parse_args()
    # Stop cleanly on Ctrl-C or kill: the finally in run() stops the processes it started
    # (a shell's background job would otherwise ignore SIGINT, and SIGTERM skip the finally).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    csv_path = args.render or run(args)
    data = read_csv(csv_path)
    if not data["elapsed_s"]:
        raise SystemExit("soak: no samples")
    svg_path = os.path.splitext(csv_path)[0] + ".svg"
    with open(svg_path, "w") as f:
        f.write(svg(data, f"dingwatch demo soak: {data['elapsed_s'][-1] / 60:.0f} min, "
                          f"{sum(data['records_per_s']) / len(data['elapsed_s']):.0f} records/s"))
    print(summary(data))
    print(f"soak: plot in {svg_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
