# Regenerates tests/histories/08-* .. 16-* (see README.md). ROOTS_TOOL is a
# 30-line program printing honest merkle_roots with core/merkle_hash.h's dense
# reference tree for "key value ts id tombstone" lines (args: nodes vnodes rf
# depth); its source is merkle_roots_tool.cpp here (g++ -std=c++20 -I. tests/histories/merkle_roots_tool.cpp build/core/libfaultline_core.a -lxxhash); set FAULTLINE_ROOTS_TOOL to the binary.
import json, os, subprocess
ROOT = '/work/main/tests/histories'
def plan(seed, read_cl='QUORUM', write_cl='QUORUM', modes=None, faults=None):
    m = {"read_repair": "blocking", "quorum": "strict", "hinted_handoff": False}
    m.update(modes or {})
    return {"format_version": 1, "seed": seed, "cluster": {"nodes": 3, "rf": 3, "vnodes": 8}, "modes": m,
            "workload": {"clients": 3, "keys": 2, "rate": 50.0, "duration_ms": 1000, "read_cl": read_cl, "write_cl": write_cl},
            "faults": faults or [], "bugs": []}
T = 1700000000000000
class H:
    def __init__(s): s.lines = []
    def add(s, **o):
        o = dict(index=len(s.lines), time=1000 * (len(s.lines) + 1), **o); s.lines.append(o)
    def phase(s, p, **extra): s.add(process="nemesis", type="info", f="phase", value=dict(phase=p, **extra))
    def w(s, p, k, v, ver, node="n1"):
        s.add(process=p, type="invoke", f="write", key=k, value=v, cl="QUORUM", node=node)
        s.add(process=p, type="ok", f="write", key=k, value=v, version=ver)
    def d(s, p, k, ver):
        s.add(process=p, type="invoke", f="delete", key=k, cl="QUORUM", node="n1")
        s.add(process=p, type="ok", f="delete", key=k, version=ver)
    def r(s, p, k, v=None, ver=None, tomb=False):
        s.add(process=p, type="invoke", f="read", key=k, cl="QUORUM", node="n2")
        o = dict(process=p, type="ok", f="read", key=k)
        if v is not None: o["value"] = v
        if ver is not None: o["version"] = ver
        if tomb: o["tombstone"] = True
        s.add(**o)
def rec(k, v, ver, tomb=False): return {"key": k, "value": None if tomb else v, "version": ver, "tombstone": tomb}
def roots(records):
    inp = "".join(f"{r['key']} {r['value'] or '-'} {r['version'][0]} {r['version'][1]} {int(r['tombstone'])}\n" for r in records)
    return json.loads(subprocess.run([os.environ["FAULTLINE_ROOTS_TOOL"], "3", "8", "3", "4"], input=inp, capture_output=True, text=True, check=True).stdout)
def write(name, pl, h, finals, expected, events=None):
    d = os.path.join(ROOT, name); os.makedirs(d + "/final", exist_ok=True)
    json.dump(pl, open(d + "/plan.json", "w"), indent=2)
    with open(d + "/history.jsonl", "w") as f:
        f.write(json.dumps({"format": "faultline-history", "version": 1, "seed": pl["seed"]}, separators=(',', ':')) + "\n")
        for l in h.lines: f.write(json.dumps(l, separators=(',', ':')) + "\n")
    for n, (records, extra) in finals.items():
        # Every dump has the parts a node always writes (core/node_dump.h).
        dump = dict(node=n, records=records, **extra)
        dump.setdefault("merkle_roots", None)
        dump.setdefault("hints", [])
        json.dump(dump, open(f"{d}/final/{n}.json", "w"), separators=(',', ':'))
    if events is not None:
        for n in ("n1", "n2", "n3"):
            os.makedirs(f"{d}/nodes/{n}", exist_ok=True)
            with open(f"{d}/nodes/{n}/events.jsonl", "w") as f:
                for e in events.get(n, []): f.write(json.dumps(e, separators=(',', ':')) + "\n")
    json.dump(expected, open(d + "/expected.json", "w"))
def same(records, extra=None): return {n: (records, dict(extra or {})) for n in ("n1", "n2", "n3")}

# 08/09: no-resurrection. ONE/ONE so stale reads are allowed; AE on with a long gc_grace so no-resurrection is guaranteed.
ae = {"anti_entropy": True, "anti_entropy_interval_ms": 500, "gc_grace_ms": 600000, "merkle_depth": 4}
for name, read_back in (("08-resurrected-delete", ("0-1", [T + 100, 1])), ("09-resurrected-delete-twin", (None, None))):
    h = H(); h.phase("workload-start")
    h.w(0, "k1", "0-1", [T + 100, 1]); h.d(0, "k1", [T + 200, 1]); h.r(1, "k1", *read_back)
    h.phase("final-reads"); h.r(2, "k1", None, [T + 200, 1], True); h.phase("done")
    fin = [rec("k1", None, [T + 200, 1], True)]
    bad = name.startswith("08")
    write(name, plan(8, "ONE", "ONE", ae), h, same(fin, {"merkle_roots": roots(fin)}),
          {"verdict": "invalid" if bad else "valid", "exit_code": 1 if bad else 0,
           "results": {"no-resurrection": "violated" if bad else "held", "merkle-convergence": "held", "valid-values": "held"}})

# 10/11: realtime-version-order. A write invoked after another was acked gets an older version (10) or a newer one (11).
for name, v2 in (("10-realtime-order-violated", [T + 100, 2]), ("11-realtime-order-twin", [T + 300, 2])):
    h = H(); h.phase("workload-start")
    h.w(0, "k1", "0-1", [T + 200, 1]); h.w(1, "k1", "1-1", v2, node="n2")
    win = max([("0-1", [T + 200, 1]), ("1-1", v2)], key=lambda x: x[1])
    h.phase("final-reads"); h.r(2, "k1", win[0], win[1]); h.phase("done")
    fin = [rec("k1", win[0], win[1])]
    bad = name.startswith("10")
    write(name, plan(10, "ONE", "ONE", {"read_repair": "none"}), h, same(fin),
          {"verdict": "invalid" if bad else "valid", "exit_code": 1 if bad else 0,
           "results": {"realtime-version-order": "violated" if bad else "held", "no-lost-writes": "held"}})

# 12/13: hint-replay. n1 stores a hint for n3 (down during a kill) and never replays it (12), or replays it (13).
for name in ("12-hint-never-replayed", "13-hint-replayed-twin"):
    bad = name.startswith("12")
    h = H(); h.phase("workload-start"); h.w(0, "k1", "0-1", [T + 100, 1])
    h.phase("final-reads"); h.r(2, "k1", "0-1", [T + 100, 1]); h.phase("done")
    hint = {"hint_id": "n1:1", "target": "n3", "key": "k1", "version": [T + 100, 1]}
    ev = [{"time": 1500, "node": "n1", "event": "hint_stored", **hint, "tombstone": False}]
    if not bad: ev.append({"time": 2500, "node": "n1", "event": "hint_replayed", **hint})
    full = [rec("k1", "0-1", [T + 100, 1])]
    finals = {"n1": (full, {}), "n2": (full, {}), "n3": ([] if bad else full, {})}
    write(name, plan(12, modes={"hinted_handoff": True, "read_repair": "blocking"},
                     faults=[{"start_ms": 100, "duration_ms": 300, "kind": "kill", "targets": ["n3"], "params": {}}]),
          h, finals, {"verdict": "invalid" if bad else "valid", "exit_code": 1 if bad else 0,
                      "results": {"hint-replay": "violated" if bad else "held"}}, events={"n1": ev})

# 14/15: merkle-convergence. Identical data; n2's reported root for range 0 lies (14) or is honest (15).
for name in ("14-merkle-lying-root", "15-merkle-honest-twin"):
    bad = name.startswith("14")
    h = H(); h.phase("workload-start"); h.w(0, "k1", "0-1", [T + 100, 1]); h.w(0, "k2", "0-2", [T + 150, 1])
    h.phase("final-reads"); h.r(2, "k1", "0-1", [T + 100, 1]); h.r(2, "k2", "0-2", [T + 150, 1]); h.phase("done")
    fin = [rec("k1", "0-1", [T + 100, 1]), rec("k2", "0-2", [T + 150, 1])]
    finals = same(fin, {"merkle_roots": roots(fin)})
    if bad:
        lie = roots(fin); lie[0]["root"] = "0123456789abcdef"; finals["n2"] = (fin, {"merkle_roots": lie})
    write(name, plan(14, modes=ae, faults=[{"start_ms": 100, "duration_ms": 300, "kind": "kill", "targets": ["n3"], "params": {}}]),
          h, finals, {"verdict": "invalid" if bad else "valid", "exit_code": 1 if bad else 0,
                      "results": {"merkle-convergence": "violated" if bad else "held"}})

# 16: the harness reported a failed quiesce: unknown (twin: 15, which quiesced).
h = H(); h.phase("workload-start"); h.w(0, "k1", "0-1", [T + 100, 1])
h.phase("quiesce", ok=False, reason="hints not drained after 30000 ms")
h.phase("final-reads"); h.r(2, "k1", "0-1", [T + 100, 1]); h.phase("done")
fin = [rec("k1", "0-1", [T + 100, 1])]
write("16-quiesce-failed", plan(16), h, same(fin),
      {"verdict": "unknown", "exit_code": 2, "error_ends_with": "hints not drained after 30000 ms",
       "results": {"no-lost-writes": "unknown", "merkle-convergence": "unknown", "hint-replay": "unknown", "monotonic-reads": "held"}})
