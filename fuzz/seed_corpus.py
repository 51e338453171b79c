#!/usr/bin/env python3
"""Rebuilds the seed corpora in fuzz/corpus/ from the shared samples, the hostile-input
corpus, the rule pack, the example configuration and a little generated traffic.

    fuzz/seed_corpus.py [--dingwatch build/release/app/dingwatch] [--samples DIR]

Seeds are small on purpose (libFuzzer mutates them; big seeds slow every run). Each
decoder family keeps up to PER_SHAPE records per distinct shape (EventType or key set).
"""
import argparse, hashlib, json, os, pathlib, shutil, subprocess, tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PER_SHAPE = 2
MAX_SEED = 4096


# Hand-written Sigma rules covering the grammar in detectors/rules/sigma.hpp.
SIGMA_SEEDS = [
    """title: Bulk download from outside Macau
id: 6f1c2a10-0000-4000-8000-000000000001
status: experimental
logsource: {product: dingtalk, service: audit}
detection:
  selection:
    actionView|contains: ['下載', 'download']
    resourceExtension: [pdf, xlsx]
  filter:
    ipAddress|cidr: ['60.246.0.0/16', '10.0.0.0/8']
  condition: selection and not filter
level: high
tags: [attack.t1567, pdpa.art19, pdpa.cross_border]
""",
    """title: Health data group
name: health_group
logsource: {product: dingtalk, category: chat}
detection:
  keywords_title:
    title|re|i: '(病歷|體溫|health)'
  sel_event:
    - eventType: chat_update_title
    - eventType|startswith: chat_
  condition: 1 of keywords_* and all of sel_*
level: medium
falsepositives: [HR drills]
---
title: Many health groups
correlation:
  type: event_count
  rules: [health_group]
  group-by: [user.id]
  timespan: 1h
  condition: {gte: 3}
level: high
""",
    """title: Export then share
correlation:
  type: temporal_ordered
  rules: [export_rule, share_rule]
  group-by: [userId]
  timespan: 10m
  aliases: {user: {export_rule: userId, share_rule: userId}}
  generate: true
""",
    """title: Wildcards and nulls
id: w1
logsource: {product: dingtalk}
detection:
  sel:
    resource: 'a*b?c\\*'
    realName: null
    resourceSize|gte: 1000000
    userId|exists: true
  condition: sel
""",
]


def family(text):
    """The topic family a record looks like (the decoder's guess_topic, in Python)."""
    if any(k in text for k in ('"EventType"', '"specVersion"', '"eventType"')):
        return "events"
    if any(k in text for k in ('"gmtCreate"', '"bizId"', '"gmt_create"', '"biz_id"', '"user_check_time"', '"actionView"')):
        return "audit"
    if any(k in text for k in ('"dstHost"', '"dstIp"', '"bytesOut"')):
        return "flows"
    return None


def shape(text):
    try:
        obj = json.loads(text)
    except ValueError:
        return "invalid"
    if not isinstance(obj, dict):
        return "non-object"
    headers = obj.get("headers") if isinstance(obj.get("headers"), dict) else {}
    kind = obj.get("EventType") or headers.get("eventType")
    return str(kind) if kind else ",".join(sorted(obj.keys()))


def put(corpus, data):
    data = data if isinstance(data, bytes) else data.encode()
    if len(data) > MAX_SEED:
        return
    d = ROOT / "fuzz" / "corpus" / corpus
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dingwatch", default=str(ROOT / "build/release/app/dingwatch"))
    ap.add_argument("--samples", default=str(ROOT.parent / "shared/samples"))
    args = ap.parse_args()
    for d in (ROOT / "fuzz" / "corpus").glob("*"):
        shutil.rmtree(d)

    records = []
    for f in sorted(pathlib.Path(args.samples).glob("*.jsonl")):
        records += [l for l in f.read_text().splitlines() if l.strip()]
    traffic = tempfile.TemporaryDirectory()
    subprocess.run([args.dingwatch, "gen", "--out", traffic.name, "--events", "3000", "--seed", "3",
                    "--incident-rate", "0.2"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    traffic_files = sorted(str(p) for p in pathlib.Path(traffic.name).glob("*.jsonl"))
    for f in traffic_files:
        records += [l for l in pathlib.Path(f).read_text().splitlines() if l.strip()]
    kept = {}
    for r in records:
        fam = family(r)
        if fam is None:
            continue
        key = (fam, shape(r))
        if kept.get(key, 0) >= PER_SHAPE:
            continue
        kept[key] = kept.get(key, 0) + 1
        put("fuzz_decode_" + fam, r)
        if fam == "events":
            obj = json.loads(r)
            if isinstance(obj, dict) and "data" in obj:
                data = obj["data"]
                put("fuzz_decode_stream_data", data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))

    for f in sorted((ROOT / "tests/data/hostile").iterdir()):
        data = f.read_bytes()
        fam = family(data.decode("utf-8", "replace")) or "events"
        put("fuzz_decode_" + fam, data)
        if f.name.startswith(("malformed_json", "truncated", "invalid_utf8", "too_deep", "oversized")):
            put("fuzz_decode_stream_data", data)

    for f in sorted((ROOT / "rules").glob("*.yaml")):
        put("fuzz_rules", f.read_bytes()) if f.stat().st_size <= MAX_SEED else None
        # Big rule files: one seed per rule, with the file's lists and macros dropped.
        text = f.read_text()
        if "\nrules:" in text:
            head, body = text.split("\nrules:", 1)
            for chunk in body.split("\n  - id: ")[1:]:
                put("fuzz_rules", "rules:\n  - id: " + chunk)
    for f in sorted((ROOT / "tests/golden/rules").rglob("*.yaml")):
        put("fuzz_rules", f.read_bytes())

    for seed in SIGMA_SEEDS:
        put("fuzz_sigma", seed)
    for f in sorted((ROOT / "tests/data/sigma").glob("*.yml")) + sorted((ROOT / "rules").glob("**/*.yml")):
        put("fuzz_sigma", f.read_bytes())

    for f in sorted((ROOT / "config").glob("*.yaml")) + sorted((ROOT / "docker").glob("*.yaml")):
        put("fuzz_config", f.read_bytes())
    put("fuzz_config", "kafka:\n  properties: {sasl.password: ${HOME}, ssl.key.password: '@/dev/null'}\n"
                       "metrics: {listen: 9464, username: u, password: $${literal}}\n")

    with tempfile.TemporaryDirectory() as tmp:
        # The pack's files that this binary loads (the folder may hold work in progress).
        pack = [f"--rules={f}" for f in sorted((ROOT / "rules").glob("*.yaml"))
                    if subprocess.run([args.dingwatch, "rules", "check", str(f)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL).returncode == 0]
        r = subprocess.run([args.dingwatch, "replay"] + traffic_files + ["--evidence", tmp] + pack,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            print("replay for the evidence seeds failed:", r.stderr[-500:])
        for f in sorted(pathlib.Path(tmp).glob("evidence-*.jsonl")):
            lines = f.read_bytes().splitlines(keepends=True)
            for n in (1, 2, 3):
                put("fuzz_evidence_verify", b"".join(lines[:n]))
    put("fuzz_evidence_verify", b"")

    for d in sorted((ROOT / "fuzz" / "corpus").iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds")


if __name__ == "__main__":
    main()
