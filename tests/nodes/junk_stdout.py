#!/usr/bin/env python3
"""A broken node: answers `init`, then on its first `broadcast` prints a line that is not JSON
to stdout (where only protocol messages belong) before answering as usual."""

from maelstrom_node import Node

JUNK = "this line is not JSON"

node = Node()
values = set()
junk_printed = False


@node.on("broadcast")
def broadcast(msg):
    global junk_printed
    if not junk_printed:
        junk_printed = True
        print(JUNK, flush=True)
    values.add(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(values)})


node.run()
