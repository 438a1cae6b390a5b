#!/usr/bin/env python3
"""Reference broadcast node "flood" (see the calibration notes): the node a client's
`broadcast` reaches sends the value once, directly, to every other node as
{"type": "gossip", "message": v}, with no reply expected; a node receiving `gossip` stores the
value and relays nothing. `broadcast_ok` is sent at once; `read` answers from local state."""

from maelstrom_node import Node

node = Node()
values = set()


@node.on("broadcast")
def broadcast(msg):
    value = msg["body"]["message"]
    values.add(value)
    for other in node.peers():
        node.send(other, {"type": "gossip", "message": value})
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg):
    values.add(msg["body"]["message"])


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(values)})


node.run()
