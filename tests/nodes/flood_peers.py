#!/usr/bin/env python3
"""A hostile node: it answers `init`, then writes gossip to every peer as fast as it can and
never reads its stdin again. Under Maelstrom its single stdout reader sets the pace; under the
simulator the node's budget of bytes in flight must, so glomers' memory stays bounded and the
test still ends on time."""

import json
import sys

init = json.loads(sys.stdin.readline())
me = init["body"]["node_id"]
peers = [n for n in init["body"]["node_ids"] if n != me] or [me]
reply = {"src": me, "dest": init["src"],
         "body": {"type": "init_ok", "in_reply_to": init["body"]["msg_id"]}}
sys.stdout.write(json.dumps(reply) + "\n")
sys.stdout.flush()
padding = "x" * 1000
lines = [json.dumps({"src": me, "dest": peer,
                     "body": {"type": "gossip", "padding": padding}}) + "\n" for peer in peers]
out = sys.stdout
while True:
    for line in lines:
        out.write(line)
