#!/usr/bin/env python3
"""A broken node: answers `init`, then prints a line that is not JSON to stdout (where only
protocol messages belong) on its first `broadcast` (challenge 3), or on its second `echo`
(challenge 1, so one echo is answered first), before answering as usual."""

from maelstrom_node import Node

JUNK = "this line is not JSON"

node = Node()
values = set()
junk_printed = False
echoes = 0


def junk_once():
    global junk_printed
    if not junk_printed:
        junk_printed = True
        print(JUNK, flush=True)


@node.on("broadcast")
def broadcast(msg):
    junk_once()
    values.add(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(values)})


@node.on("echo")
def echo(msg):
    global echoes
    echoes += 1
    if echoes == 2:
        junk_once()
    node.reply(msg, {"type": "echo_ok", "echo": msg["body"].get("echo")})


node.run()
