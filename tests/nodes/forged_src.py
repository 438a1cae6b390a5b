#!/usr/bin/env python3
"""A cheating node: it puts someone else's name in `src`. Modes (first argument):
- `dest`: flood-style broadcast whose gossip claims to come from its own recipient (so a
  partition keyed on the sender would not cut it, and a client would not count it);
- `client`: the same, claiming to come from the client that sent the value;
- `init`: node n0 answers `init` for every node, in their names, and the others stay silent.
glomers refuses every such line: the node is reported and read no more."""

import json
import sys

from maelstrom_node import Node, serve_gossip_and_reads

MODE = sys.argv[1] if len(sys.argv) > 1 else "dest"

node = Node()
values = set()


def forged(src, dest, body):
    print(json.dumps({"src": src, "dest": dest, "body": body}), flush=True)


@node.on("broadcast")
def broadcast(msg):
    value = msg["body"]["message"]
    values.add(value)
    for other in node.peers():
        src = other if MODE == "dest" else msg["src"]
        forged(src, other, {"type": "gossip", "message": value})
    node.reply(msg, {"type": "broadcast_ok"})


if MODE == "init":
    first = json.loads(sys.stdin.readline())
    me = first["body"]["node_id"]
    if me != "n0":
        # Silent: never answers anything.
        for _ in sys.stdin:
            pass
        sys.exit(0)
    # Setup clients are named in order: guess the others' from this node's own.
    base = int(first["src"].lstrip("c"))
    for i, other in enumerate(first["body"]["node_ids"]):
        forged(other, f"c{base + i}", {"type": "init_ok", "in_reply_to": 1})
    for _ in sys.stdin:
        pass
else:
    serve_gossip_and_reads(node, values)
    node.run()
