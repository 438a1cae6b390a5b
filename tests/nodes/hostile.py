#!/usr/bin/env python3
"""A hostile echo node, for the tests that prove nothing it does outlives glomers or goes
unreported. It answers `init`, then does what its one argument says:

  escape [N]    starts processes that leave its process group: a child in a group of its own,
                a `setsid` daemon (double fork), and a chain of N processes (200 unless given)
                each forked by the one before; then echoes as usual
  close-stdin   closes its stdin, waits a second, exits with status 4
  close-stdout  closes its stdout, waits three seconds, exits with status 5
  orphan-stdout starts a child that keeps its stdout open, then exits with status 6
  deaf-flood    sends one 4 MiB message to every other node, then never reads again

Every process it starts writes its pid as a file name into the folder named by
`$HOSTILE_PIDS` (the node its own too, and its pid in `node`), and the node writes `ready` there
once they all have, so a test knows exactly which processes to look for."""

import os
import sys
import time

from maelstrom_node import Node

PIDS = os.environ.get("HOSTILE_PIDS", ".")


def record(name=None):
    """Notes this process (or `name`) in the pid folder."""
    with open(os.path.join(PIDS, name or str(os.getpid())), "w"):
        pass


def record_node():
    """Notes the node itself, and which pid is the node's (in `node`)."""
    record()
    with open(os.path.join(PIDS, "node"), "w") as f:
        f.write(str(os.getpid()))


def linger():
    """The life of a started process: stdio away from the node's pipes (as a daemon's would
    be), then sleep until killed."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    while True:
        time.sleep(600)


def own_group():
    if os.fork() == 0:
        os.setpgid(0, 0)
        record()
        linger()


def daemon():
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            record()
            linger()
        os._exit(0)
    os.waitpid(first, 0)


def chain(left):
    """Each link forks the next, notes itself, and sleeps; the node waits for the last one."""
    if os.fork() == 0:
        record()
        if left > 1:
            chain(left - 1)
        else:
            record("chained")
        linger()


def wait_for(name):
    path = os.path.join(PIDS, name)
    while not os.path.exists(path):
        time.sleep(0.01)


node = Node()
behaviour = sys.argv[1] if len(sys.argv) > 1 else "escape"
chain_length = int(sys.argv[2]) if len(sys.argv) > 2 else 200


@node.on("init")
def init(msg):
    node._init(msg)
    record_node()
    if behaviour == "escape":
        own_group()
        daemon()
        chain(chain_length)
        wait_for("chained")
        record("ready")
    elif behaviour == "close-stdin":
        os.close(0)
        time.sleep(1)
        sys.exit(4)
    elif behaviour == "close-stdout":
        sys.stdout.flush()
        os.close(1)
        time.sleep(3)
        # The interpreter would flush the closed stdout again on the way out and fail.
        os._exit(5)
    elif behaviour == "orphan-stdout":
        if os.fork() == 0:
            record()
            time.sleep(600)
            os._exit(0)
        os._exit(6)
    elif behaviour == "deaf-flood":
        for other in node.peers():
            node.send(other, {"type": "gossip", "message": "x" * (4 << 20)})
        record("ready")
        while True:
            time.sleep(600)


@node.on("echo")
def echo(msg):
    node.reply(msg, {"type": "echo_ok", "echo": msg["body"].get("echo")})


node.run()
