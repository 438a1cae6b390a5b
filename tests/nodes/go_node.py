"""The Go demo library's node (`github.com/jepsen-io/maelstrom/demo/go`) as learners use it, in
Python: every request runs in its own thread (Go's `Run` starts a goroutine per message), a
reply goes to the callback of the request it answers, and bodies leave out absent fields (the
library's `omitempty`). Not a node itself (no `#!` line, not executable).

`retry` is the goroutine learners start to deliver one message for sure: `SyncRPC` with a
timeout in a loop, a pause after each timeout, until a reply comes. Go parks thousands of such
goroutines for free; thousands of Python threads stall the node for seconds under a long
partition, which a Go node does not. So one timer thread plays all of them, with the messages
they would send when they would send them: the first RPC at once, a fresh RPC (new `msg_id`)
after each timeout and pause, none after the reply."""

import heapq
import itertools
import json
import sys
import threading
import time


class GoNode:
    def __init__(self):
        self.id = None
        self.ids = []
        self.handlers = {}
        self.callbacks = {}
        self.next_msg_id = 0
        self.lock = threading.Lock()
        self.out = threading.Lock()
        self.retries = _Retrier(self)

    def handle(self, kind):
        """Registers the decorated function as the handler of `kind` requests."""

        def register(handler):
            self.handlers[kind] = handler
            return handler

        return register

    def peers(self):
        return [other for other in self.ids if other != self.id]

    def send(self, dest, body):
        line = json.dumps({"src": self.id, "dest": dest, "body": body})
        with self.out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def reply(self, msg, body):
        self.send(msg["src"], dict(body, in_reply_to=msg["body"]["msg_id"]))

    def rpc(self, dest, body, callback):
        """Sends `body` with a fresh `msg_id`; `callback` gets the reply. Returns the id."""
        with self.lock:
            self.next_msg_id += 1
            msg_id = self.next_msg_id
            self.callbacks[msg_id] = callback
        self.send(dest, dict(body, msg_id=msg_id))
        return msg_id

    def retry(self, dest, body, timeout, pause):
        """Delivers `body` to `dest` as this goroutine would:
        `for attempt := 0; ; attempt++ { ctx, _ := context.WithTimeout(ctx, timeout);
        if _, err := n.SyncRPC(ctx, dest, body); err == nil { return };
        time.Sleep(pause(attempt)) }`."""
        self.retries.start(dest, body, timeout, pause)

    def go(self, fn, *args):
        """Runs `fn(*args)` in a thread of its own, like a goroutine."""
        threading.Thread(target=fn, args=args, daemon=True).start()

    def log(self, text):
        print(f"{self.id}: {text}", file=sys.stderr, flush=True)

    def _init(self, msg):
        self.id = msg["body"]["node_id"]
        self.ids = msg["body"]["node_ids"]
        self.reply(msg, {"type": "init_ok"})

    def _serve(self, handler, msg):
        try:
            handler(msg)
        except Exception as e:  # the library answers a failed handler with error 13 (crash)
            self.log(f"handler failed: {e!r}")
            self.reply(msg, {"type": "error", "code": 13, "text": str(e)})

    def run(self):
        for line in sys.stdin:
            msg = json.loads(line)
            body = msg["body"]
            in_reply_to = body.get("in_reply_to")
            if in_reply_to:
                with self.lock:
                    callback = self.callbacks.pop(in_reply_to, None)
                if callback is not None:
                    callback(msg)
                continue
            kind = body["type"]
            if kind == "init":
                self._init(msg)
                continue
            handler = self.handlers.get(kind)
            if handler is None:
                # Go's Run returns an error here and the node exits.
                raise SystemExit(f"No handler for {line.strip()}")
            self.go(self._serve, handler, msg)


class _Retrier:
    """The timer thread behind `GoNode.retry`: a heap of (when, what, delivery) for every
    message not yet acknowledged, where what is the end of an attempt's timeout or of a pause."""

    def __init__(self, node):
        self.node = node
        self.due = []
        self.order = itertools.count()
        self.wake = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def start(self, dest, body, timeout, pause):
        delivery = {"dest": dest, "body": body, "timeout": timeout, "pause": pause,
                    "attempt": 0, "acked": threading.Event(), "msg_id": None}
        self._attempt(delivery)

    def _attempt(self, delivery):
        acked = delivery["acked"]
        delivery["msg_id"] = self.node.rpc(delivery["dest"], delivery["body"],
                                           lambda _reply: acked.set())
        self._at(time.monotonic() + delivery["timeout"], "timed-out", delivery)

    def _at(self, when, what, delivery):
        with self.wake:
            heapq.heappush(self.due, (when, next(self.order), what, delivery))
            self.wake.notify()

    def _next(self):
        with self.wake:
            while not self.due or self.due[0][0] > time.monotonic():
                self.wake.wait(self.due[0][0] - time.monotonic() if self.due else None)
            return heapq.heappop(self.due)[2:]

    def _run(self):
        while True:
            what, delivery = self._next()
            if what == "resend":
                self._attempt(delivery)
                continue
            if delivery["acked"].is_set():
                continue
            with self.node.lock:
                # As in Go, a reply after the timeout finds no one waiting.
                self.node.callbacks.pop(delivery["msg_id"], None)
            pause = delivery["pause"](delivery["attempt"])
            delivery["attempt"] += 1
            self._at(time.monotonic() + pause, "resend", delivery)
