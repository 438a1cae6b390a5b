#!/usr/bin/env python3
"""Load probe for the echo workload: answers `echo`, and sends `probe` messages to the other
nodes at a fixed rate, each stamped with `time.monotonic_ns()` when it is written. A node that
receives one logs its delivery delay to stderr (kept as node-logs/<id>.log by both engines).
The monotonic clock is the machine's, shared by every node process, so sender and receiver
stamps compare directly.

Usage: probe.py [TOTAL_RATE [DELAY_S [SECONDS]]] (or PROBE_RATE, PROBE_DELAY, PROBE_SECONDS):
all nodes together send TOTAL_RATE probes a second (default 100), each node its share to its
peers in turn, from DELAY_S after `init` (default 2: every node must be on the network before
the first probe, or Maelstrom refuses the message and stops reading the sender) for SECONDS
(default 10).

Log lines: `D <src> <sent_ns> <delay_us>` per probe received; `S <sent> <target> <late_ms>`
once sending ends (probes sent, probes due, the sender's worst lag behind its schedule).

Not built on maelstrom_node.Node: two threads write stdout here (replies and probes), and at
the top rates every microsecond per line counts."""

import json
import os
import sys
import threading
import time

ARGS = sys.argv[1:]


def setting(index, env, default):
    if len(ARGS) > index:
        return float(ARGS[index])
    return float(os.environ.get(env, default))


TOTAL_RATE = setting(0, "PROBE_RATE", 100)
DELAY_S = setting(1, "PROBE_DELAY", 2)
SECONDS = setting(2, "PROBE_SECONDS", 10)
# Delays are written out in batches so that logging costs little per probe.
LOG_EVERY_S = 0.2

out_lock = threading.Lock()
log_lock = threading.Lock()
pending_log = []
me = None
peers = []


def write_lines(lines):
    data = "".join(lines)
    with out_lock:
        sys.stdout.write(data)
        sys.stdout.flush()


def flush_log():
    with log_lock:
        if not pending_log:
            return
        data = "".join(pending_log)
        pending_log.clear()
    sys.stderr.write(data)
    sys.stderr.flush()


def sender(started):
    """Sends this node's share of probes on schedule; several at once when it has fallen
    behind (a line each, written together), so that it keeps the rate."""
    per_node = TOTAL_RATE / (len(peers) + 1)
    begin = started + DELAY_S
    end = begin + SECONDS
    gap = 1.0 / per_node if per_node > 0 else SECONDS
    sent, late, turn, next_log = 0, 0.0, 0, 0.0
    src = json.dumps(me)
    while True:
        now = time.monotonic()
        if now >= next_log:
            flush_log()
            next_log = now + LOG_EVERY_S
        if now < begin:
            time.sleep(min(begin - now, LOG_EVERY_S))
            continue
        due = min(int((min(now, end) - begin) / gap) + 1, int(SECONDS * per_node))
        if due > sent:
            late = max(late, now - (begin + sent * gap))
            lines = []
            while sent < due:
                dest = peers[turn % len(peers)]
                turn += 1
                sent += 1
                lines.append(
                    '{"src":%s,"dest":"%s","body":{"type":"probe","t":%d}}\n'
                    % (src, dest, time.monotonic_ns())
                )
            write_lines(lines)
        if now >= end:
            break
        wake = begin + sent * gap
        time.sleep(max(0.0, min(wake - time.monotonic(), LOG_EVERY_S)))
    with log_lock:
        target = int(SECONDS * per_node)
        pending_log.append(f"S {sent} {target} {late * 1000:.1f}\n")
    while True:
        flush_log()
        time.sleep(LOG_EVERY_S)


def main():
    global me, peers
    for line in sys.stdin:
        msg = json.loads(line)
        body = msg["body"]
        kind = body.get("type")
        if kind == "probe":
            delay_us = (time.monotonic_ns() - body["t"]) // 1000
            with log_lock:
                pending_log.append(f"D {msg['src']} {body['t']} {delay_us}\n")
            continue
        if kind == "init":
            me = body["node_id"]
            peers = [n for n in body["node_ids"] if n != me]
            reply = {"type": "init_ok"}
            if peers:
                threading.Thread(
                    target=sender, args=(time.monotonic(),), daemon=True
                ).start()
        elif kind == "echo":
            reply = {"type": "echo_ok", "echo": body.get("echo")}
        else:
            continue
        reply["in_reply_to"] = body.get("msg_id")
        write_lines([json.dumps({"src": me, "dest": msg["src"], "body": reply}) + "\n"])


main()
