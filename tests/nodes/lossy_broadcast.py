#!/usr/bin/env python3
"""A broken broadcast node: floods like flood.py, but every 5th value a client gives it is
dropped (never stored, never forwarded) and still acknowledged with `broadcast_ok`, so a checker
must find those values lost."""

import json
import sys

DROP_EVERY = 5

node_id = None
node_ids = []
values = set()
next_msg_id = 0
client_broadcasts = 0


def send(dest, body):
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
        reply(msg, {"type": "init_ok"})
    elif kind == "topology":
        reply(msg, {"type": "topology_ok"})
    elif kind == "broadcast":
        value = body["message"]
        client_broadcasts += 1
        if client_broadcasts % DROP_EVERY == 0:
            log(f"dropping {value!r} on purpose")
        else:
            values.add(value)
            for other in node_ids:
                if other != node_id:
                    send(other, {"type": "gossip", "message": value})
        reply(msg, {"type": "broadcast_ok"})
    elif kind == "gossip":
        values.add(body["message"])
    elif kind == "read":
        reply(msg, {"type": "read_ok", "messages": sorted(values)})
