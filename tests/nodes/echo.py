#!/usr/bin/env python3
"""Challenge 1: answers `init` and every `echo` with the same text, for quick smoke tests."""

import json
import sys

node_id = None
next_msg_id = 0

for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    if body.get("type") == "init":
        node_id = body["node_id"]
        out = {"type": "init_ok"}
    elif body.get("type") == "echo":
        out = {"type": "echo_ok", "echo": body.get("echo")}
    else:
        print(f"{node_id}: ignoring {body.get('type')!r}", file=sys.stderr, flush=True)
        continue
    next_msg_id += 1
    out.update(msg_id=next_msg_id, in_reply_to=body.get("msg_id"))
    print(json.dumps({"src": node_id, "dest": msg["src"], "body": out}), flush=True)
