#!/usr/bin/env python3
"""Runs every Grafana panel query and template-variable query against a real Prometheus
that scrapes a running `dingwatch demo`, and fails if any returns no data. Also runs
`promtool check metrics` on a live scrape. Usage: check_panels.py DINGWATCH DASHBOARD_DIR"""
import json, os, pathlib, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()

def query(prom, expr):
    body = json.loads(get(f"http://{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
    if body.get("status") != "success":
        raise RuntimeError(f"{expr}: {body}")
    return body["data"]["result"]

def wait_until(what, predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"timed out waiting for {what}")

def main():
    dingwatch, dashboards = sys.argv[1], pathlib.Path(sys.argv[2])
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="dingwatch-dash-"))
    metrics, prom = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    procs = []
    try:
        procs.append(subprocess.Popen(
            [dingwatch, "demo", "--duration", "60", "--rate", "3000", "--incident-rate", "0.3",
             "--bad-rate", "0.01", "--metrics", metrics],
            stdout=subprocess.DEVNULL, stderr=open(tmp / "demo.log", "w")))
        (tmp / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"scrape_configs: [{{job_name: dingwatch, static_configs: [{{targets: ['{metrics}']}}]}}]\n")
        procs.append(subprocess.Popen(
            ["prometheus", f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
             f"--web.listen-address={prom}"], stdout=subprocess.DEVNULL, stderr=open(tmp / "prom.log", "w")))

        wait_until("a live scrape", lambda: "dingwatch_build_info" in get(f"http://{metrics}/metrics"), 30)
        scrape = get(f"http://{metrics}/metrics")
        check = subprocess.run(["promtool", "check", "metrics"], input=scrape, text=True, capture_output=True)
        problems = [] if check.returncode == 0 else [f"promtool check metrics: {check.stdout}{check.stderr}"]

        wait_until("alerts in Prometheus", lambda: float(query(prom, "sum(dingwatch_alerts_total)")[0]["value"][1]) >= 3, 90)
        time.sleep(5)  # several scrapes with traffic, so rates have two points

        checked = 0
        for path in sorted(dashboards.glob("*.json")):
            dash = json.loads(path.read_text())
            for var in dash["templating"]["list"]:
                m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", var.get("definition", ""))
                if not m:
                    continue
                series = json.loads(get(f"http://{prom}/api/v1/series?" + urllib.parse.urlencode({"match[]": m[1]})))
                values = {s.get(m[2]) for s in series["data"]} - {None}
                checked += 1
                if not values:
                    problems.append(f"{path.name}: variable ${var['name']} has no values")
            for panel in dash["panels"]:
                for t in panel["targets"]:
                    expr = re.sub(r"\$(topic|family|severity)\b", ".*", t["expr"]).replace("$__rate_interval", "30s")
                    checked += 1
                    if not query(prom, expr):
                        problems.append(f"{path.name}: panel '{panel['title']}' ({t['refId']}) returned no data: {expr}")
        for p in problems:
            print("FAIL", p)
        print(f"{checked} dashboard queries checked against a live Prometheus, {len(problems)} problem(s)")
        return 1 if problems else 0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
