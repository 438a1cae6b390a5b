#!/usr/bin/env python3
"""A broken node: answers `init`, then says why on stderr and exits with status 3."""

import json
import sys

line = sys.stdin.readline()
msg = json.loads(line)
body = msg["body"]
reply = {"type": "init_ok", "msg_id": 1, "in_reply_to": body.get("msg_id")}
print(json.dumps({"src": body.get("node_id"), "dest": msg["src"], "body": reply}), flush=True)
print("crash_after_init: exiting with status 3 on purpose", file=sys.stderr, flush=True)
sys.exit(3)
