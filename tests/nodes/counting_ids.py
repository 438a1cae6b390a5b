#!/usr/bin/env python3
"""Challenge 2, naively: node n<i> of N answers `generate` with `counter * N + i` and counts up
from 0. Unique while every node lives, so it passes Maelstrom's own test; but the counter lives
in memory only, so a node killed and started again counts from 0 and repeats every id it gave
before (`--nemesis kill` reports them duplicated). Kept as the naive node of the faults table."""

from maelstrom_node import Node

node = Node()
counter = 0


@node.on("generate")
def generate(msg):
    global counter
    index = node.ids.index(node.id)
    node.reply(msg, {"type": "generate_ok", "id": counter * len(node.ids) + index})
    counter += 1


node.run()
