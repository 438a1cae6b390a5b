#!/usr/bin/env python3
"""Reference broadcast node "star" (see the calibration notes): n0 is the hub. A leaf that
receives a client's `broadcast` stores the value and sends it to n0 only; n0 relays every value
it sees for the first time to every node except the one it came from (a value a client gave n0
goes straight to all the leaves). Gossip is {"type": "gossip", "message": v} and nobody replies
to it. `broadcast_ok` is sent at once; `read` answers from local state."""

from maelstrom_node import Node

HUB = "n0"

node = Node()
values = set()


def learn(value, came_from):
    """Stores a value; the hub relays a new one to every node but its sender."""
    if value in values:
        return
    values.add(value)
    if node.id == HUB:
        for other in node.peers():
            if other != came_from:
                node.send(other, {"type": "gossip", "message": value})


@node.on("broadcast")
def broadcast(msg):
    value = msg["body"]["message"]
    if node.id == HUB:
        learn(value, came_from=None)
    else:
        values.add(value)
        node.send(HUB, {"type": "gossip", "message": value})
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg):
    learn(msg["body"]["message"], came_from=msg["src"])


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(values)})


node.run()
