#!/usr/bin/env python3
"""A broken node: reads every message and never answers anything, `init` included; it keeps
running until its input closes."""

import sys

print("silent_init: reading, never answering", file=sys.stderr, flush=True)
for _line in sys.stdin:
    pass
