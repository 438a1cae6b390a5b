#!/usr/bin/env python3
"""Delivery delay against offered load: runs the echo workload with probe.py as every node
under one engine at each rate of a sweep, one run at a time, and summarises each point from
the node logs (probe delays) and results.edn (Maelstrom's :net counts).

    load_curve.py --engine maelstrom --maelstrom /path/to/prefix --nodes 5 --rates 100,1000
    load_curve.py --engine sim --nodes 25 --rates 500 --latency 100 --out DIR

Per point it prints one row (count, median, p99, max delay in ms, plus the probes sent and
the senders' worst lag behind schedule, which says whether the nodes themselves kept up) and,
with --out, writes DIR/<nodes>n-<rate>[-lat<L>]/{command.txt,summary.txt}. Stdlib only."""

import argparse
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def quantile(sorted_xs, q):
    """Nearest rank: the smallest value with at least a fraction q of values at or below."""
    if not sorted_xs:
        return float("nan")
    k = max(0, math.ceil(q * len(sorted_xs)) - 1)
    return sorted_xs[k]


def read_logs(run_dir):
    """Every probe delay (ms) and the senders' `S` lines, from node-logs/*.log."""
    delays, sent, target, late = [], 0, 0, 0.0
    for log in sorted((run_dir / "node-logs").glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("D "):
                _, src, at, us = line.split()
                delays.append((int(at), int(us) / 1000.0, src))
            elif line.startswith("S "):
                _, s, t, l = line.split()
                sent, target, late = sent + int(s), target + int(t), max(late, float(l))
    return delays, sent, target, late


def net_stats(run_dir):
    """The `:net {...}` map of results.edn, as text on one line."""
    path = run_dir / "results.edn"
    if not path.exists():
        return "(no results.edn)"
    text = path.read_text(errors="replace")
    at = text.find(":net ")
    if at < 0:
        return "(no :net)"
    start = text.index("{", at)
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return re.sub(r"\s+", " ", text[start : i + 1])
    return "(unterminated :net)"


def starts(stamped):
    """When each node sent its first probe, in ms after the first node did: Maelstrom starts
    the node processes in parallel, so on two cores 25 of them start over about a second."""
    if not stamped:
        return ""
    first = {}
    for at, _, src in stamped:
        first[src] = min(first.get(src, at), at)
    zero = min(first.values())
    order = sorted(first, key=lambda n: int(n[1:]) if n[1:].isdigit() else 0)
    return " ".join(f"{n}:{(first[n] - zero) / 1e6:.1f}" for n in order)


def per_second(stamped):
    """`second count median p99 max` for each second since the first probe was sent."""
    if not stamped:
        return []
    first = min(at for at, _, _ in stamped)
    buckets = {}
    for at, ms, _ in stamped:
        buckets.setdefault((at - first) // 1_000_000_000, []).append(ms)
    rows = []
    for sec in sorted(buckets):
        xs = sorted(buckets[sec])
        rows.append(f"{sec} {len(xs)} {quantile(xs, 0.5):.2f} {quantile(xs, 0.99):.2f} {xs[-1]:.2f}")
    return rows


def summarise(run_dir):
    stamped, sent, target, late = read_logs(run_dir)
    delays = sorted(ms for _, ms, _ in stamped)
    return {
        "count": len(delays),
        "sent": sent,
        "target": target,
        "sender_lag_ms": round(late, 1),
        "median_ms": round(quantile(delays, 0.5), 2),
        "p99_ms": round(quantile(delays, 0.99), 2),
        "max_ms": round(delays[-1], 2) if delays else float("nan"),
        "net": net_stats(run_dir),
        "starts_ms": starts(stamped),
        "per_second": per_second(stamped),
    }


BUILD_TOOLS = {"rustc", "cc1", "cc1plus", "ld", "clippy-driver", "rustdoc", "javac"}


def busy_builders():
    """How many compiler processes (other engineers' builds) are running right now."""
    n = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text()
        except OSError:
            continue
        name = fields[fields.find("(") + 1 : fields.rfind(")")]
        if name in BUILD_TOOLS:
            n += 1
    return n


def cpu_idle(seconds):
    """The machine's idle fraction over `seconds`, from /proc/stat."""

    def sample():
        f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return f[3] + f[4], sum(f)

    i0, t0 = sample()
    time.sleep(seconds)
    i1, t1 = sample()
    return (i1 - i0) / max(1, t1 - t0)


def wait_quiet(threshold, patience):
    """Waits until nothing compiles and the machine is at least `threshold` idle, for at most
    `patience` seconds; returns the idle fraction last seen."""
    give_up = time.monotonic() + patience
    while True:
        idle = cpu_idle(2)
        if (busy_builders() == 0 and idle >= threshold) or time.monotonic() > give_up:
            return idle
        time.sleep(3)


def command(args, rate, latency):
    probe = HERE / "probe.py"
    cmd = [args.glomers, "run", "1", "--engine", args.engine, "--bin", str(probe)]
    if args.engine == "maelstrom" and args.maelstrom:
        cmd += ["--maelstrom", args.maelstrom]
    if args.engine == "sim":
        cmd += ["--seed", str(args.seed)]
    cmd += ["--node-count", str(args.nodes), "--rate", str(args.echo_rate)]
    cmd += ["--time-limit", str(int(args.delay + args.seconds + 2))]
    cmd += ["--latency", str(latency)]
    for a in (rate, args.delay, args.seconds):
        cmd += ["--node-arg", f"{a:g}"]
    return cmd


def run_point(args, rate, latency):
    with tempfile.TemporaryDirectory(prefix="load-curve-") as store:
        cmd = command(args, rate, latency) + ["--store", store]
        idle = wait_quiet(args.wait_idle, args.patience) if args.wait_idle else cpu_idle(1)
        if args.nice:
            # The run's processes (and their children) ahead of other people's builds.
            cmd = ["nice", "-n", str(args.nice)] + cmd
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Compilers seen during the run: a point measured beside a build is noisy.
        builders = 0
        while proc.poll() is None:
            builders = max(builders, busy_builders())
            time.sleep(0.5)
        output = proc.stdout.read()
        wall = time.monotonic() - started
        run_dir = Path(store) / "store" / "latest"
        if not run_dir.exists():
            sys.stderr.write(output[-3000:])
            raise SystemExit(f"no run folder for rate {rate} (exit {proc.returncode})")
        s = summarise(run_dir.resolve())
    s.update(
        exit=proc.returncode,
        wall_s=round(wall, 1),
        load_before=round(load_before, 2),
        idle_before=round(idle, 2),
        nice=args.nice,
        builders_during=builders,
    )
    return cmd, s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", choices=["maelstrom", "sim"], required=True)
    p.add_argument("--glomers", default=str(ROOT / "target/release/glomers"))
    p.add_argument("--maelstrom", help="Maelstrom prefix or launcher (maelstrom engine)")
    p.add_argument("--nodes", type=int, default=5)
    p.add_argument("--rates", default="100,500,1000,2000,5000,10000,20000")
    p.add_argument("--latency", type=int, default=0)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--delay", type=float, default=2)
    p.add_argument("--echo-rate", type=float, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--wait-idle", type=float, default=0,
                   help="before each point, wait until no compiler runs and the CPU is this idle")
    p.add_argument("--patience", type=float, default=600,
                   help="seconds to wait for a quiet machine before running anyway")
    p.add_argument("--nice", type=int, default=0,
                   help="run each point at this niceness (negative: ahead of other work)")
    p.add_argument("--suffix", default="", help="appended to each point's folder (-run2)")
    p.add_argument("--out", help="write <point>/command.txt and summary.txt here")
    args = p.parse_args()
    keys = ["count", "sent", "target", "sender_lag_ms", "median_ms", "p99_ms", "max_ms"]
    print(f"# {args.engine}, {args.nodes} nodes, latency {args.latency} ms, {args.seconds:g} s")
    extra = ["wall_s", "load_before", "idle_before", "builders_during", "exit"]
    print("rate " + " ".join(keys + extra))
    for rate in [float(r) for r in args.rates.split(",")]:
        cmd, s = run_point(args, rate, args.latency)
        print(f"{rate:g} " + " ".join(str(s[k]) for k in keys + extra),
              flush=True)
        if args.out:
            name = f"{args.nodes}n-{rate:g}" + (f"-lat{args.latency}" if args.latency else "")
            name += args.suffix
            d = Path(args.out) / name
            d.mkdir(parents=True, exist_ok=True)
            cmd = cmd[3:] if cmd[0] == "nice" else cmd
            shown = [Path(c).name if i == 0 else c for i, c in enumerate(cmd)]
            shown = [("tests/nodes/probe.py" if c.endswith("probe.py") else c) for c in shown]
            shown = [c for c in shown if not c.startswith(tempfile.gettempdir())]
            if "--store" in shown:
                shown.remove("--store")
            (d / "command.txt").write_text(shlex.join(shown) + "\n")
            lines = [f"{k} {v}\n" for k, v in s.items() if k != "per_second"]
            lines.append("# per second since the first probe: second count median p99 max (ms)\n")
            lines += [f"second {row}\n" for row in s["per_second"]]
            (d / "summary.txt").write_text("".join(lines))


if __name__ == "__main__":
    main()
