#!/usr/bin/env python3
"""Reference broadcast node "flood" (see the calibration notes): the node a client's
`broadcast` reaches sends the value once, directly, to every other node as
{"type": "gossip", "message": v}, with no reply expected; a node receiving `gossip` stores the
value and relays nothing. `broadcast_ok` is sent at once; `read` answers from local state."""

import json
import sys

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


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    kind = body.get("type")
    if kind == "init":
        node_id = body["node_id"]
        node_ids = body["node_ids"]
        log(f"initialised among {len(node_ids)} nodes")
        reply(msg, {"type": "init_ok"})
    elif kind == "topology":
        # Flooding ignores the suggested topology: every node hears from the first one.
        reply(msg, {"type": "topology_ok"})
    elif kind == "broadcast":
        value = body["message"]
        values.add(value)
        for other in node_ids:
            if other != node_id:
                send(other, {"type": "gossip", "message": value})
        reply(msg, {"type": "broadcast_ok"})
    elif kind == "gossip":
        values.add(body["message"])
    elif kind == "read":
        reply(msg, {"type": "read_ok", "messages": sorted(values)})
    else:
        log(f"ignoring a {kind!r} message")
