#!/usr/bin/env python3
"""Broadcast (challenges 3b, 3d and 3e) with batched gossip, the usual answer to 3d/3e's
message budget: a node answers `broadcast_ok` at once and queues the value for each of its
neighbours; every `--period-ms` (default 100) a timer thread sends each neighbour, in one
`{"type": "gossip", "messages": [...]}`, the values queued for it since its last batch, and
nothing to a neighbour with nothing new. Gossip is not acknowledged (3b-3e cut no links).

The neighbours are its own tree, not the suggested topology: n0 is the hub and every other node
a leaf. A value a leaf learns goes to the hub in the leaf's next batch, and from the hub to
every other leaf in the hub's next batch. `read` answers from local state."""

import argparse
import json
import sys
import threading
import time

HUB = "n0"

parser = argparse.ArgumentParser()
parser.add_argument("--period-ms", type=float, default=100.0)
period_s = parser.parse_args().period_ms / 1000.0

lock = threading.Lock()
out = threading.Lock()
state = {"id": None, "ids": [], "next_msg_id": 0}
values = set()
# neighbour -> values it has not been sent yet
queued = {}


def send(dest, body):
    with out:
        state["next_msg_id"] += 1
        body = dict(body, msg_id=state["next_msg_id"])
        line = json.dumps({"src": state["id"], "dest": dest, "body": body})
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def reply(msg, body):
    send(msg["src"], dict(body, in_reply_to=msg["body"]["msg_id"]))


def learn(new, came_from):
    """Keeps the values not seen before and queues them for every neighbour but the sender."""
    with lock:
        fresh = [v for v in new if v not in values]
        values.update(fresh)
        for other, pending in queued.items():
            if other != came_from:
                pending.update(fresh)


def gossip_forever():
    while True:
        time.sleep(period_s)
        with lock:
            batches = [(other, sorted(p)) for other, p in queued.items() if p]
            for p in queued.values():
                p.clear()
        for other, batch in batches:
            send(other, {"type": "gossip", "messages": batch})


def init(msg):
    me = msg["body"]["node_id"]
    state["id"], state["ids"] = me, msg["body"]["node_ids"]
    others = [n for n in state["ids"] if n != me]
    with lock:
        for other in others if me == HUB else [HUB] if HUB in others else []:
            queued[other] = set()
    reply(msg, {"type": "init_ok"})
    threading.Thread(target=gossip_forever, daemon=True).start()


for line in sys.stdin:
    msg = json.loads(line)
    kind = msg["body"]["type"]
    if kind == "init":
        init(msg)
    elif kind == "topology":
        reply(msg, {"type": "topology_ok"})
    elif kind == "broadcast":
        learn([msg["body"]["message"]], came_from=None)
        reply(msg, {"type": "broadcast_ok"})
    elif kind == "gossip":
        learn(msg["body"]["messages"], came_from=msg["src"])
    elif kind == "read":
        with lock:
            seen = sorted(values)
        reply(msg, {"type": "read_ok", "messages": seen})
    else:
        print(f"{state['id']}: ignoring a {kind!r} message", file=sys.stderr, flush=True)
