#!/usr/bin/env python3
"""Reference broadcast node "flood" (see the calibration notes): the node a client's
`broadcast` reaches sends the value once, directly, to every other node as
{"type": "gossip", "message": v}, with no reply expected; a node receiving `gossip` stores the
value and relays nothing. `broadcast_ok` is sent at once; `read` answers from local state."""

from maelstrom_node import Node, flood, serve_gossip_and_reads

node = Node()
values = set()


@node.on("broadcast")
def broadcast(msg):
    flood(node, values, msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


serve_gossip_and_reads(node, values)
node.run()
