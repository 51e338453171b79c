#!/usr/bin/env python3
"""Runs every Grafana panel and template-variable query, and every Prometheus alerting-rule
expression, against a real Prometheus that scrapes a running `dingwatch demo`; fails if any
returns no data. Also runs `promtool check metrics` on a live scrape.
Usage: check_live_queries.py DINGWATCH DASHBOARD_DIR ALERTS_YML

An alerting expression is empty while nothing is wrong, so each is checked with its
comparisons taken out: `errors > 0` is run as `errors`, `a > 1 and b > 0` as `a`, `b` and
`a and b`. The series behind it must exist (a misspelt metric, label or label value fails),
and the result must carry every label the rule's annotations print (`{{ $labels.x }}`)."""
import json, os, pathlib, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

import yaml

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

# PromQL binary operators, with the vector-matching modifiers that may follow them.
MATCHING = r"(?:\s*(?:on|ignoring)\s*\([^)]*\))?(?:\s*group_(?:left|right)\b(?:\s*\([^)]*\))?)?"
SET_OPERATOR = re.compile(r"(?<![\w:])(?:and|or|unless)(?![\w:])" + MATCHING)
COMPARISON = re.compile(r"(?:==|!=|>=|<=|>|<)(?:\s*bool\b)?" + MATCHING)
NUMBER = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|inf|nan)\s*", re.I)

def split_top_level(expr, operator):
    """[operand, operator, operand, …]: `expr` cut at each `operator` outside brackets and strings."""
    parts, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(expr):
        c = expr[i]
        if quote:
            if c == "\\" and quote != "`":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and (m := operator.match(expr, i)):
            parts += [expr[start:i].strip(), m[0].strip()]
            start = i = m.end()
            continue
        i += 1
    return parts + [expr[start:].strip()]

def rule_queries(rule):
    """The queries that must return data for `rule`: each vector side of each comparison, and,
    if `and`/`or` join several, the join of their first sides (it checks label matching); and
    the expression whose result must carry the labels the annotations print."""
    pieces = split_top_level(rule["expr"], SET_OPERATOR)
    sides, joined = [], []
    for k, operand in enumerate(pieces):
        if k % 2:
            joined.append(operand)
            continue
        vectors = [s for s in split_top_level(operand, COMPARISON)[::2] if not NUMBER.fullmatch(s)]
        sides += vectors
        joined.append(f"({vectors[0]})" if vectors else operand)
    whole = " ".join(joined)
    unless = any(op.startswith("unless") for op in pieces[1::2])  # may rightly empty the join
    return sides + ([whole] if len(pieces) > 1 and not unless else []), whole

def rule_problems(prom, alerts_yml):
    """(queries run, problems) of every alerting rule in `alerts_yml`."""
    checked, problems = 0, []
    for group in yaml.safe_load(alerts_yml.read_text())["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            queries, whole = rule_queries(rule)
            for q in queries:
                checked += 1
                if not query(prom, q):
                    problems.append(f"{alerts_yml.name}: rule {name}: no data for {q}")
            templates = " ".join(list(rule.get("annotations", {}).values()) + list(rule.get("labels", {}).values()))
            printed = set(re.findall(r"\$labels\.(\w+)", templates))
            result = query(prom, whole)
            if printed and result:
                carried = set().union(*(r["metric"] for r in result))
                if printed - carried:
                    problems.append(f"{alerts_yml.name}: rule {name} prints label(s) {sorted(printed - carried)} "
                                    f"that its expression does not carry: {whole}")
    return checked, problems

def panel_problems(prom, dashboards):
    """(queries run, problems) of every panel and template variable in `dashboards`."""
    checked, problems = 0, []
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
    return checked, problems

def main():
    dingwatch, dashboards, alerts_yml = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="dingwatch-dash-"))
    metrics, prom = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    procs = []
    try:
        procs.append(subprocess.Popen(  # --duration 0: traffic until stopped, so no series goes stale mid-check
            [dingwatch, "demo", "--duration", "0", "--rate", "3000", "--incident-rate", "0.3",
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
        scrape_problems = [] if check.returncode == 0 else [f"promtool check metrics: {check.stdout}{check.stderr}"]

        wait_until("alerts in Prometheus", lambda: float(query(prom, "sum(dingwatch_alerts_total)")[0]["value"][1]) >= 3, 90)
        # Rates need two scrapes with traffic and some alert families come later: run every
        # query until all return data, and report what still does not after a minute.
        deadline = time.time() + 60
        while True:
            panels, panel_fails = panel_problems(prom, dashboards)
            rules, rule_fails = rule_problems(prom, alerts_yml)
            if not (panel_fails or rule_fails) or time.time() > deadline:
                break
            time.sleep(1)
        problems = scrape_problems + panel_fails + rule_fails
        for p in problems:
            print("FAIL", p)
        print(f"{panels} dashboard queries and {rules} alerting-rule queries checked against a live Prometheus, "
              f"{len(problems)} problem(s)")
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
