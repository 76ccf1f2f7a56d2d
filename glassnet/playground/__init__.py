"""``glassnet playground``: a local web page to build a network, watch it learn, and open any
unit's worked backpropagation.

Modules, one job each (dependencies point one way: messages → session → frames → server):

* :mod:`~glassnet.playground.messages` — validation of every message from the page;
* :mod:`~glassnet.playground.session` — one browser session's state machine (data, feature
  map, Network, optimizer, schedule; step / play / pause / reset / inspect / walk / export);
* :mod:`~glassnet.playground.frames` — the frame encoder (grid pictures, weights, losses);
* :mod:`~glassnet.playground.server` — the Starlette app and the per-session training task.

Importing this package imports nothing heavy; Starlette and uvicorn (the ``playground``
extra) are imported by :mod:`~glassnet.playground.server` only. See docs/playground.md.
"""
