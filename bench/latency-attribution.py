#!/usr/bin/env python3
"""Which of a bench run's slow messages coincided with what in the product (issue 13).

Needs a run made with the bench's latency log and the product's safepoint log, optionally a flight recording:

  java -Dbench.latencyLog=/tmp/lat -jar bench/target/ai-chatroom-bench.jar --only=load --brokers=embedded \
    --product-jvm-args="-Xlog:gc,safepoint:file=/tmp/gc.log:uptimenanos,timenanos \
      -XX:StartFlightRecording=filename=/tmp/product.jfr,settings=profile" --out=/tmp/x.md --json=/tmp/x.json
  bench/latency-attribution.py /tmp/lat /tmp/gc.log [/tmp/product.jfr] [--slow-ms=5]

For each fixed-rate run: young collections per second, their median pause and the time paused per second; how many
messages took longer than --slow-ms, and of those how many were on their way while the chat worker waited for a lock
(the store's write lock: a flight recording's jdk.ThreadPark / jdk.JavaMonitorEnter of the thread "chat-worker", 10 ms
and longer with settings=profile), else while the JVM was at a safepoint (a collection), else neither ("other":
waiting for a CPU on a shared machine, shorter waits, the broker's own work). The bench's send times and the JVM's
timenanos decoration are both CLOCK_MONOTONIC; the recording's wall-clock times are put on that clock through the
collections both logs have.
"""
import bisect
import datetime
import glob
import json
import os
import re
import subprocess
import sys


def iso(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def seconds(d):
    m = re.match(r"PT(?:([\d.]+)M)?([\d.]+)S", d)
    return (float(m.group(1) or 0) * 60 + float(m.group(2))) if m else 0.0


def safepoints(gc_log):
    """(start, end, is_collection) on CLOCK_MONOTONIC, and the end of each young collection by its id."""
    pauses, young = [], {}
    for line in open(gc_log):
        m = re.match(r'\[(\d+)ns\]\[\d+ns\] Safepoint "(\w+)".*Total: (\d+) ns', line)
        if m:
            end = int(m.group(1)) / 1e9
            pauses.append((end - int(m.group(3)) / 1e9, end, "Collect" in m.group(2)))
        m = re.match(r"\[(\d+)ns\]\[\d+ns\] GC\((\d+)\) Pause Young", line)
        if m:
            young[int(m.group(2))] = int(m.group(1)) / 1e9
    if not pauses:
        sys.exit(gc_log + ": no safepoints; run the product with -Xlog:gc,safepoint:file=...:uptimenanos,timenanos")
    pauses.sort()
    return pauses, young


def worker_waits(jfr, young):
    """The chat worker's lock waits from a flight recording, on CLOCK_MONOTONIC."""
    tool = os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "jfr")
    events = json.loads(subprocess.run(
        [tool, "print", "--json", "--stack-depth", "12",
         "--events", "jdk.ThreadPark,jdk.JavaMonitorEnter,jdk.GarbageCollection", jfr],
        check=True, capture_output=True, text=True).stdout)["recording"]["events"]
    offsets = sorted(young[e["values"]["gcId"]] - (iso(e["values"]["startTime"]) + seconds(e["values"]["duration"]))
                     for e in events if e["type"] == "jdk.GarbageCollection" and e["values"]["gcId"] in young)
    if not offsets:
        sys.exit(jfr + ": no collection in both the recording and the log, so no common clock")
    offset = offsets[len(offsets) // 2]
    waits = []
    for e in events:
        v = e["values"]
        thread = (v.get("eventThread") or {}).get("javaName")
        if e["type"] == "jdk.GarbageCollection" or thread != "chat-worker":
            continue
        frames = [f["method"]["type"]["name"] + "." + f["method"]["name"]
                  for f in ((v.get("stackTrace") or {}).get("frames") or [])]
        # waiting for work (its queue, its start) is not waiting for a lock
        if any("LinkedBlockingQueue.poll" in f or "CountDownLatch" in f for f in frames):
            continue
        start = iso(v["startTime"]) + offset
        waits.append((start, start + seconds(v["duration"])))
    return sorted(waits)


def overlaps(intervals, starts, s, e, pick=lambda x: True):
    i = bisect.bisect_right(starts, e)
    return any(a <= e and b >= s and pick(x) for x in intervals[max(0, i - 200):i] for a, b in [x[:2]])


def main(argv):
    slow_ms = 5.0
    args = []
    for a in argv:
        if a.startswith("--slow-ms="):
            slow_ms = float(a.split("=", 1)[1])
        else:
            args.append(a)
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    lat_dir, gc_log = args[0], args[1]
    pauses, young = safepoints(gc_log)
    pause_starts = [p[0] for p in pauses]
    waits = worker_waits(args[2], young) if len(args) == 3 else []
    wait_starts = [w[0] for w in waits]
    files = sorted(glob.glob(os.path.join(lat_dir, "run-*-FIXED_RATE.txt")),
                   key=lambda f: int(os.path.basename(f).split("-")[1]))
    for f in files:
        rows = [tuple(map(int, line.split())) for line in open(f)]
        if not rows:
            continue
        lat = sorted(r[1] for r in rows)
        t0, t1 = min(r[0] for r in rows) / 1e9, max(r[0] for r in rows) / 1e9
        gcs = sorted(b - a for a, b, c in pauses if c and t0 <= b <= t1)
        span = max(t1 - t0, 1e-9)
        slow = [(s / 1e9, (s + l) / 1e9) for s, l in rows if l > slow_ms * 1e6]
        locked = paused = other = 0
        for s, e in slow:
            if waits and overlaps(waits, wait_starts, s, e):
                locked += 1
            elif overlaps(pauses, pause_starts, s, e):
                paused += 1
            else:
                other += 1
        n = len(slow)
        share = lambda k: f"{k} ({100 * k / max(n, 1):.0f} %)"
        name = "-".join(os.path.basename(f)[:-4].split("-")[2:])
        print(f"{name}: {len(rows)} messages, p50 {lat[len(lat) // 2] / 1e6:.2f} ms, "
              f"p99 {lat[int(len(lat) * 0.99)] / 1e6:.2f} ms, max {lat[-1] / 1e6:.1f} ms; "
              f"{len(gcs) / span:.2f} young collections/s, median pause "
              f"{(gcs[len(gcs) // 2] if gcs else 0) * 1e3:.1f} ms, {sum(gcs) / span * 1e3:.1f} ms paused per s")
        print(f"  slower than {slow_ms:g} ms: {n} ({100 * n / len(rows):.2f} %): "
              + (f"chat worker waiting for a lock {share(locked)}, " if waits else "")
              + f"at a safepoint {share(paused)}, other {share(other)}")


if __name__ == "__main__":
    main(sys.argv[1:])
