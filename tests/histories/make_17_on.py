# Regenerates tests/histories/17-* .. 29-* (see README.md): one violation
# and its valid twin per class of wrong verdict, each pair differing in the
# one plan field, line or file that makes the difference. "Formerly" below
# is the checker before the fixes these directories pin (commit 78ff89c and
# its predecessors). Run from anywhere: python3 tests/histories/make_17_on.py
import json, os, shutil
ROOT = os.path.dirname(os.path.abspath(__file__))
T = 1700000000000000
MS = 1000000  # history times are nanoseconds

def plan(seed, read_cl="QUORUM", write_cl="QUORUM", modes=None, faults=None):
    m = {"read_repair": "blocking", "quorum": "strict", "hinted_handoff": False}
    m.update(modes or {})
    return {"format_version": 1, "seed": seed, "cluster": {"nodes": 3, "rf": 3, "vnodes": 8}, "modes": m,
            "workload": {"clients": 3, "keys": 2, "rate": 50.0, "duration_ms": 1000, "read_cl": read_cl,
                         "write_cl": write_cl},
            "faults": faults or [], "bugs": []}

class H:
    """A history; each line is stamped 1 us after the previous unless wait() moved time on."""
    def __init__(s): s.lines, s.t = [], 0
    def add(s, **o):
        s.t += 1000
        s.lines.append(dict(index=len(s.lines), time=s.t, **o))
    def wait_ms(s, ms): s.t += ms * MS
    def phase(s, p, **extra): s.add(process="nemesis", type="info", f="phase", value=dict(phase=p, **extra))
    def quiesced(s):
        s.phase("heal", ok=True); s.phase("quiesce", ok=True, quiesce_ms=1, anti_entropy="complete")
    def w(s, p, k, v, ver, node="n1", cl="QUORUM", outcome="ok"):
        s.add(process=p, type="invoke", f="write", key=k, value=v, cl=cl, node=node)
        if outcome == "ok": s.add(process=p, type="ok", f="write", key=k, value=v, version=ver)
        else: s.add(process=p, type="info", f="write", key=k, value=v, error="TIMEOUT timed out after 1000 ms")
    def d(s, p, k, ver):
        s.add(process=p, type="invoke", f="delete", key=k, cl="QUORUM", node="n1")
        s.add(process=p, type="ok", f="delete", key=k, version=ver)
    def r(s, p, k, v=None, ver=None, tomb=False, cl="QUORUM"):
        s.add(process=p, type="invoke", f="read", key=k, cl=cl, node="n2")
        o = dict(process=p, type="ok", f="read", key=k, value=v)
        if ver is not None: o["version"] = ver
        if tomb: o["tombstone"] = True
        s.add(**o)

def rec(k, v, ver, tomb=False): return {"key": k, "value": None if tomb else v, "version": ver, "tombstone": tomb}
def same(records, extra=None): return {n: dict(node=n, records=records, **(extra or {})) for n in ("n1", "n2", "n3")}

def write(name, pl, h, finals, expected, events=None, raw_lines=None):
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d + "/final")
    json.dump(pl, open(d + "/plan.json", "w"), indent=2)
    with open(d + "/history.jsonl", "w") as f:
        f.write(json.dumps({"format": "faultline-history", "version": 1, "seed": pl["seed"]}, separators=(",", ":")) + "\n")
        for l in (raw_lines if raw_lines is not None else [json.dumps(l, separators=(",", ":")) for l in h.lines]):
            f.write(l + "\n")
    for file_node, dump in finals.items():
        # Every dump has the parts a node always writes (core/node_dump.h).
        dump = dict(dump)
        dump.setdefault("merkle_roots", None)
        dump.setdefault("hints", [])
        json.dump(dump, open(f"{d}/final/{file_node}.json", "w"), separators=(",", ":"))
    if events is not None:
        for n in ("n1", "n2", "n3"):
            os.makedirs(f"{d}/nodes/{n}", exist_ok=True)
            with open(f"{d}/nodes/{n}/events.jsonl", "w") as f:
                for e in events.get(n, []): f.write(json.dumps(e, separators=(",", ":")) + "\n")
    json.dump(expected, open(d + "/expected.json", "w"))

def verdict(bad, results, **extra):
    return dict(verdict="invalid" if bad else "valid", exit_code=1 if bad else 0, results=results, **extra)

# 17/18: a purged delete. Every replica ends with the older value of a deleted
# key, and a final read 2 s after the delete returns it. With gc_grace 600 s
# (17) nothing may be purged: a resurrection, a lost delete, a stale read.
# With gc_grace 1 s and no anti-entropy (18) the table allows resurrections:
# formerly no-lost-writes still counted the delete as lost (invalid).
for name, grace in (("17-purged-delete-long-grace", 600000), ("18-purged-delete-short-grace-twin", 1000)):
    bad = grace > 1000
    h = H(); h.phase("workload-start")
    h.w(0, "k1", "0-1", [T + 100, 1]); h.d(0, "k1", [T + 200, 1])
    h.wait_ms(2000); h.phase("workload-end"); h.quiesced(); h.phase("final-reads")
    h.r(2, "k1", "0-1", [T + 100, 1], cl="ALL"); h.phase("done")
    write(name, plan(17, modes={"gc_grace_ms": grace}), h, same([rec("k1", "0-1", [T + 100, 1])]),
          verdict(bad, {"no-resurrection": "violated", "no-lost-writes": "violated" if bad else "held",
                        "no-stale-reads": "violated" if bad else "held", "valid-values": "held"}))

# 19/20: a nil read 1 us after an acknowledged QUORUM delete, gc_grace 600 s:
# no tombstone can have been purged, so the read is stale (19; accepted as
# "purged" formerly). Its twin reads the tombstone (20).
for name in ("19-nil-read-right-after-delete", "20-tombstone-read-twin"):
    bad = name.startswith("19")
    h = H(); h.phase("workload-start")
    h.w(0, "k1", "0-1", [T + 100, 1]); h.d(0, "k1", [T + 200, 1])
    if bad: h.r(1, "k1")
    else: h.r(1, "k1", None, [T + 200, 1], True)
    h.phase("workload-end"); h.quiesced(); h.phase("final-reads")
    h.r(2, "k1", None, [T + 200, 1], True, cl="ALL"); h.phase("done")
    write(name, plan(19), h, same([rec("k1", None, [T + 200, 1], True)]),
          verdict(bad, {"no-stale-reads": "violated" if bad else "held", "no-resurrection": "held",
                        "monotonic-reads": "held", "valid-values": "held"}))

# 21/22: a write invoked after another write of k1 was acknowledged times out
# (info); a later read reveals its version: older (21, realtime-version-order
# formerly ignored it) or newer (22). ONE/ONE: stale reads allowed.
for name, v2 in (("21-realtime-info-write-older", [T + 100, 2]), ("22-realtime-info-write-twin", [T + 300, 2])):
    bad = name.startswith("21")
    h = H(); h.phase("workload-start")
    h.w(0, "k1", "0-1", [T + 200, 1], cl="ONE"); h.w(1, "k1", "1-1", None, node="n2", cl="ONE", outcome="info")
    h.r(2, "k1", "1-1", v2, cl="ONE")
    win = max([("0-1", [T + 200, 1]), ("1-1", v2)], key=lambda x: x[1])
    h.phase("workload-end"); h.quiesced(); h.phase("final-reads"); h.r(3, "k1", win[0], win[1], cl="ALL"); h.phase("done")
    write(name, plan(21, "ONE", "ONE", {"read_repair": "none"}), h, same([rec("k1", win[0], win[1])]),
          verdict(bad, {"realtime-version-order": "violated" if bad else "held", "valid-values": "held",
                        "no-lost-writes": "held"}))

# 09 (make_08_to_16.py's twin of 08) read nothing 1 us after the delete,
# which the checker now judges as the stale read of 19; so its read and
# everything after it now come 600 s (its gc_grace) after the delete's
# invocation.
p09 = os.path.join(ROOT, "09-resurrected-delete-twin", "history.jsonl")
l09 = open(p09).read().splitlines()
if '"index":5,"time":6000,' in l09[6]:
    ops = [json.loads(l) for l in l09[1:]]
    for o in ops:
        if o["index"] >= 5: o["time"] += 600000 * MS
    open(p09, "w").write("\n".join([l09[0]] + [json.dumps(o, separators=(",", ":")) for o in ops]) + "\n")

# 23: 15 with n2 reporting "merkle_roots": null although anti-entropy is on
# (formerly exempt from every root check). Twin: 15.
src = os.path.join(ROOT, "15-merkle-honest-twin")
finals = {n: json.load(open(f"{src}/final/{n}.json")) for n in ("n1", "n2", "n3")}
finals["n2"]["merkle_roots"] = None
lines = open(f"{src}/history.jsonl").read().splitlines()[1:]
write("23-merkle-null-roots-ae-on", json.load(open(f"{src}/plan.json")), None, finals,
      verdict(True, {"merkle-convergence": "violated", "no-lost-writes": "held"}), raw_lines=lines)

# 24/25: 11 without its heal and quiesce markers (24), and with only its
# header line (25): the final state was never shown quiesced, so the
# properties judged on it are unknown (formerly valid). Twin: 11.
src = os.path.join(ROOT, "11-realtime-order-twin")
plan11 = json.load(open(f"{src}/plan.json"))
finals11 = {n: json.load(open(f"{src}/final/{n}.json")) for n in ("n1", "n2", "n3")}
ops = [json.loads(l) for l in open(f"{src}/history.jsonl").read().splitlines()[1:]]
ops = [o for o in ops if not (o.get("f") == "phase" and o["value"]["phase"] in ("heal", "quiesce"))]
for i, o in enumerate(ops): o["index"] = i
unquiesced = "no quiesce record: the history ends before the harness quiesced, so the final state is not the quiesced state"
write("24-no-quiesce-record", plan11, None, finals11,
      dict(verdict="unknown", exit_code=2, error_ends_with=unquiesced,
           results={"no-lost-writes": "unknown", "merkle-convergence": "unknown", "realtime-version-order": "held"}),
      raw_lines=[json.dumps(o, separators=(",", ":")) for o in ops])
write("25-header-only-history", plan11, None, finals11,
      dict(verdict="unknown", exit_code=2, error_ends_with=unquiesced,
           results={"no-lost-writes": "unknown", "valid-values": "held"}), raw_lines=[])

# 26: 11 with final/n2.json and final/n3.json swapped (formerly accepted,
# and a mislabelled file reported as "missing"). Twin: 11.
swapped = dict(finals11)
swapped["n2"], swapped["n3"] = finals11["n3"], finals11["n2"]
write("26-final-dumps-swapped", plan11, None, swapped,
      dict(verdict="unknown", exit_code=2, error_ends_with="final/n2.json: 'node' is 'n3' but the file is named after n2",
           results={"no-lost-writes": "unknown", "realtime-version-order": "held"}),
      raw_lines=open(f"{src}/history.jsonl").read().splitlines()[1:])

# 27: 11 whose final read names coordinator 2^32+2, which a 32-bit reader
# truncated to 2 and matched to the write [T+300, 2]. Twin: 11.
lines = open(f"{src}/history.jsonl").read().splitlines()[1:]
at = next(i for i, l in enumerate(lines) if '"index":9,' in l)
lines[at] = lines[at].replace("[1700000000000300,2]", "[1700000000000300,4294967298]")
write("27-coordinator-beyond-32-bits", plan11, None, finals11,
      dict(verdict="unknown", exit_code=2,
           error_ends_with="history.jsonl:11: 'version' must be [timestamp_us, coordinator_id] in range: "
                           "coordinator_id 4294967298 is out of range (0 to 2^32-1)"),
      raw_lines=lines)

# 28: 10's first write acknowledged with timestamp 2^63+200, which wrapped to
# a negative number below the second write's, so realtime-version-order saw
# no inversion (formerly valid). Twin: 11.
src10 = os.path.join(ROOT, "10-realtime-order-violated")
lines = open(f"{src10}/history.jsonl").read().splitlines()[1:]
lines = [l.replace("[1700000000000200,1]", "[9223372036854776008,1]") for l in lines]
write("28-timestamp-beyond-2pow63", json.load(open(f"{src10}/plan.json")), None,
      {n: json.load(open(f"{src10}/final/{n}.json")) for n in ("n1", "n2", "n3")},
      dict(verdict="unknown", exit_code=2,
           error_ends_with="history.jsonl:4: 'version' must be [timestamp_us, coordinator_id] in range: "
                           "timestamp_us 9223372036854776008 is out of range (0 to 2^63-1)"),
      raw_lines=lines)

# 29: hinted handoff on, n3 killed; n1 stores a hint for n3 and still holds
# it when the bounded quiesce gives up, after a successful heal: a hint-replay
# violation (formerly unknown, which `ci` reported as a harness
# error). Twin: 13 (replayed, quiesced); 16 is a failed quiesce with no hint
# pending in the dumps (unknown).
h = H(); h.phase("workload-start"); h.w(0, "k1", "0-1", [T + 100, 1]); h.phase("workload-end")
h.phase("heal", ok=True)
h.phase("quiesce", ok=False, quiesce_ms=30000, anti_entropy="off", reason="not quiet after 30000 ms: n1 has 1 hint(s) pending")
h.phase("final-reads"); h.r(2, "k1", "0-1", [T + 100, 1], cl="ALL"); h.phase("done")
hint = {"hint_id": "n1:1", "target": "n3", "key": "k1", "version": [T + 100, 1]}
full = [rec("k1", "0-1", [T + 100, 1])]
finals = {"n1": dict(node="n1", records=full, hints=[dict(hint, tombstone=False)]),
          "n2": dict(node="n2", records=full), "n3": dict(node="n3", records=full)}
write("29-hint-pending-after-quiesce", plan(29, modes={"hinted_handoff": True},
      faults=[{"start_ms": 100, "duration_ms": 300, "kind": "kill", "targets": ["n3"], "params": {}}]), h, finals,
      dict(verdict="invalid", exit_code=1, results={"hint-replay": "violated", "no-lost-writes": "unknown"}),
      events={"n1": [{"time": 1500, "node": "n1", "event": "hint_stored", **hint, "tombstone": False}]})
