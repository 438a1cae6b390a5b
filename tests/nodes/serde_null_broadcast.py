#!/usr/bin/env python3
"""Broadcast (challenge 3b) as learners write it in Rust with serde: every body is one struct
whose `msg_id` and `in_reply_to` are `Option` fields without `skip_serializing_if`, so a message
that has neither writes both as JSON null. Replies to clients carry both (a fresh `msg_id` and
the request's `in_reply_to`); node-to-node gossip is fire-and-forget and carries
`"msg_id": null, "in_reply_to": null`.

A node that learns a value relays it at once to its neighbours in the topology Maelstrom
suggests (the grid), except the one it came from; nobody acknowledges gossip. `read` answers
from local state."""

import json
import sys

node_id = None
neighbours = []
values = set()
next_msg_id = 0


def send(dest, kind, msg_id=None, in_reply_to=None, **fields):
    """One message, the way serde writes the struct: absent options become null."""
    body = {"type": kind, "msg_id": msg_id, "in_reply_to": in_reply_to, **fields}
    print(json.dumps({"src": node_id, "dest": dest, "body": body}), flush=True)


def reply(msg, kind, **fields):
    global next_msg_id
    next_msg_id += 1
    send(msg["src"], kind, next_msg_id, msg["body"]["msg_id"], **fields)


def learn(value, came_from):
    if value in values:
        return
    values.add(value)
    for other in neighbours:
        if other != came_from:
            send(other, "gossip", message=value)


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    kind = body["type"]
    if kind == "init":
        node_id = body["node_id"]
        reply(msg, "init_ok")
    elif kind == "topology":
        neighbours = body["topology"].get(node_id, [])
        reply(msg, "topology_ok")
    elif kind == "broadcast":
        learn(body["message"], came_from=None)
        reply(msg, "broadcast_ok")
    elif kind == "gossip":
        learn(body["message"], came_from=msg["src"])
    elif kind == "read":
        reply(msg, "read_ok", messages=sorted(values))
    else:
        print(f"{node_id}: ignoring a {kind!r} message", file=sys.stderr, flush=True)
