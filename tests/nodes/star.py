#!/usr/bin/env python3
"""Reference broadcast node "star" (see the calibration notes): n0 is the hub. A leaf that
receives a client's `broadcast` stores the value and sends it to n0 only; n0 relays every value
it sees for the first time to every node except the one it came from (a value a client gave n0
goes straight to all the leaves). Gossip is {"type": "gossip", "message": v} and nobody replies
to it. `broadcast_ok` is sent at once; `read` answers from local state."""

import json
import sys

HUB = "n0"

node_id = None
node_ids = []
values = set()
next_msg_id = 0


def send(dest, body):
    """Writes one message on stdout, flushed so Maelstrom sees it at once."""
    global next_msg_id
    next_msg_id += 1
    body = dict(body, msg_id=next_msg_id)
    print(json.dumps({"src": node_id, "dest": dest, "body": body}), flush=True)


def reply(msg, body):
    send(msg["src"], dict(body, in_reply_to=msg["body"].get("msg_id")))


def log(text):
    print(f"{node_id}: {text}", file=sys.stderr, flush=True)


def learn(value, came_from):
    """Stores a value; the hub relays a new one to every node but its sender."""
    if value in values:
        return
    values.add(value)
    if node_id == HUB:
        for other in node_ids:
            if other not in (node_id, came_from):
                send(other, {"type": "gossip", "message": value})


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    kind = body.get("type")
    if kind == "init":
        node_id = body["node_id"]
        node_ids = body["node_ids"]
        log(f"initialised among {len(node_ids)} nodes, hub {HUB}")
        reply(msg, {"type": "init_ok"})
    elif kind == "topology":
        # The star is fixed: every leaf talks to the hub only.
        reply(msg, {"type": "topology_ok"})
    elif kind == "broadcast":
        value = body["message"]
        if node_id == HUB:
            learn(value, came_from=None)
        else:
            values.add(value)
            send(HUB, {"type": "gossip", "message": value})
        reply(msg, {"type": "broadcast_ok"})
    elif kind == "gossip":
        learn(body["message"], came_from=msg["src"])
    elif kind == "read":
        reply(msg, {"type": "read_ok", "messages": sorted(values)})
    else:
        log(f"ignoring a {kind!r} message")
