#!/usr/bin/env python3
"""Challenge 1: answers `init` and every `echo` with the same text, for quick smoke tests."""

from maelstrom_node import Node

node = Node()


@node.on("echo")
def echo(msg):
    node.reply(msg, {"type": "echo_ok", "echo": msg["body"].get("echo")})


node.run()
