#!/usr/bin/env python3
"""A broken broadcast node: floods like flood.py, but every 5th value a client gives it is
dropped (never stored, never forwarded) and still acknowledged with `broadcast_ok`, so a checker
must find those values lost."""

from maelstrom_node import Node, flood, serve_gossip_and_reads

DROP_EVERY = 5

node = Node()
values = set()
client_broadcasts = 0


@node.on("broadcast")
def broadcast(msg):
    global client_broadcasts
    value = msg["body"]["message"]
    client_broadcasts += 1
    if client_broadcasts % DROP_EVERY == 0:
        node.log(f"dropping {value!r} on purpose")
    else:
        flood(node, values, value)
    node.reply(msg, {"type": "broadcast_ok"})


serve_gossip_and_reads(node, values)
node.run()
