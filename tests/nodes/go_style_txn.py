#!/usr/bin/env python3
"""Totally available read-committed transactions (challenge 6c) as learners write them with the
Go demo library: a node applies each `txn` to its own registers at once, under one lock (so no
one reads a transaction's intermediate state), answers `txn_ok`, and then replicates the
transaction's writes to every other node in a background goroutine with a synchronous RPC
(`GoNode.retry`): 1 s timeout, and after each timeout a pause that grows (0.1 s, doubling, at
most 2 s) before the same writes go again in a fresh RPC. A partition therefore costs one RPC
per transaction per retry until it heals. The receiver applies the writes under the same lock
and answers `replicate_ok`."""

from go_node import GoNode

TIMEOUT_S = 1.0
FIRST_PAUSE_S = 0.1
MAX_PAUSE_S = 2.0

node = GoNode()
registers = {}


def pause(attempt):
    return min(FIRST_PAUSE_S * 2**attempt, MAX_PAUSE_S)


@node.handle("txn")
def txn(msg):
    done = []
    with node.lock:
        for f, key, value in msg["body"]["txn"]:
            if f == "r":
                done.append([f, key, registers.get(key)])
            else:
                registers[key] = value
                done.append([f, key, value])
    node.reply(msg, {"type": "txn_ok", "txn": done})
    writes = [op for op in done if op[0] == "w"]
    if writes:
        for dest in node.peers():
            node.retry(dest, {"type": "replicate", "writes": writes}, TIMEOUT_S, pause)


@node.handle("replicate")
def replicated(msg):
    with node.lock:
        for _, key, value in msg["body"]["writes"]:
            registers[key] = value
    node.reply(msg, {"type": "replicate_ok"})


node.run()
