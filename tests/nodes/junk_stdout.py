#!/usr/bin/env python3
"""A broken node: answers `init`, then on its first `broadcast` prints a line that is not JSON
to stdout (where only protocol messages belong) before answering as usual."""

import json
import sys

JUNK = "this line is not JSON"

node_id = None
values = set()
next_msg_id = 0
junk_printed = False


def reply(msg, body):
    global next_msg_id
    next_msg_id += 1
    body = dict(body, msg_id=next_msg_id, in_reply_to=msg["body"].get("msg_id"))
    print(json.dumps({"src": node_id, "dest": msg["src"], "body": body}), flush=True)


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    kind = body.get("type")
    if kind == "init":
        node_id = body["node_id"]
        reply(msg, {"type": "init_ok"})
    elif kind == "topology":
        reply(msg, {"type": "topology_ok"})
    elif kind == "broadcast":
        if not junk_printed:
            junk_printed = True
            print(JUNK, flush=True)
        values.add(body["message"])
        reply(msg, {"type": "broadcast_ok"})
    elif kind == "read":
        reply(msg, {"type": "read_ok", "messages": sorted(values)})
