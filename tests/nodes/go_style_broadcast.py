#!/usr/bin/env python3
"""Broadcast (challenges 3b and 3d) as learners write it with the Go demo library: on a value it
has not seen, a node relays it to each of its tree neighbours but the sender, each with its own
synchronous RPC in a background goroutine (`for { ctx, _ := context.WithTimeout(ctx,
time.Second); if _, err := n.SyncRPC(ctx, dst, body); err == nil { return } }`): one RPC per
value per neighbour, sent again each second until acknowledged (`GoNode.retry`).
Node-to-node relays reuse the `broadcast` message and are answered `broadcast_ok`.

The tree is its own, not the suggested topology: n0 is the hub and every other node a leaf, so
a value is two hops from anywhere. `read` answers from local state."""

from go_node import GoNode

HUB = "n0"
TIMEOUT_S = 1.0

node = GoNode()
values = set()


def no_pause(_attempt):
    return 0.0


def neighbours():
    return node.peers() if node.id == HUB else [HUB]


@node.handle("broadcast")
def broadcast(msg):
    value = msg["body"]["message"]
    with node.lock:
        new = value not in values
        values.add(value)
    if new:
        for dest in neighbours():
            if dest != msg["src"]:
                node.retry(dest, {"type": "broadcast", "message": value}, TIMEOUT_S, no_pause)
    node.reply(msg, {"type": "broadcast_ok"})


@node.handle("read")
def read(msg):
    with node.lock:
        seen = sorted(values)
    node.reply(msg, {"type": "read_ok", "messages": seen})


@node.handle("topology")
def topology(msg):
    node.reply(msg, {"type": "topology_ok"})


node.run()
