"""The plumbing every Python test node shares: Maelstrom's JSON lines on stdin/stdout, `init`
(and broadcast's `topology`) answered, logs on stderr. A node script imports `Node`, registers
one handler per message type with `@node.on("type")`, and calls `node.run()`. Not a node itself
(no `#!` line, not executable)."""

import json
import sys


class Node:
    def __init__(self):
        self.id = None
        self.ids = []
        self.next_msg_id = 0
        self.handlers = {}
        self.on("init")(self._init)
        # Every broadcast node here ignores the suggested topology.
        self.on("topology")(lambda msg: self.reply(msg, {"type": "topology_ok"}))

    def on(self, kind):
        """Registers the decorated function as the handler of `kind` messages."""

        def register(handler):
            self.handlers[kind] = handler
            return handler

        return register

    def _init(self, msg):
        self.id = msg["body"]["node_id"]
        self.ids = msg["body"]["node_ids"]
        self.log(f"initialised among {len(self.ids)} nodes")
        self.reply(msg, {"type": "init_ok"})

    def peers(self):
        return [other for other in self.ids if other != self.id]

    def send(self, dest, body):
        """Writes one message on stdout, flushed so Maelstrom sees it at once."""
        self.next_msg_id += 1
        body = dict(body, msg_id=self.next_msg_id)
        print(json.dumps({"src": self.id, "dest": dest, "body": body}), flush=True)

    def reply(self, msg, body):
        self.send(msg["src"], dict(body, in_reply_to=msg["body"].get("msg_id")))

    def log(self, text):
        print(f"{self.id}: {text}", file=sys.stderr, flush=True)

    def run(self):
        for line in sys.stdin:
            msg = json.loads(line)
            kind = msg["body"].get("type")
            handler = self.handlers.get(kind)
            if handler is None:
                self.log(f"ignoring a {kind!r} message")
            else:
                handler(msg)


def flood(node, values, value):
    """Keeps `value` and sends it once, directly, to every other node as `gossip`."""
    values.add(value)
    for other in node.peers():
        node.send(other, {"type": "gossip", "message": value})


def serve_gossip_and_reads(node, values):
    """The broadcast nodes' common half: `gossip` adds a value to `values` and relays nothing;
    `read` answers from `values`."""

    @node.on("gossip")
    def gossip(msg):
        values.add(msg["body"]["message"])

    @node.on("read")
    def read(msg):
        node.reply(msg, {"type": "read_ok", "messages": sorted(values)})
