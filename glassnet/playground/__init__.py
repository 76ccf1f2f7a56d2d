"""``glassnet playground``: a local web page to build a 2-D network, watch it learn, and click
any unit for its worked backpropagation (numbers from :mod:`glassnet.explain`).

Modules, each with one job (dependencies point one way, down this list):

* :mod:`~glassnet.playground.messages` — validation of every message from the page;
* :mod:`~glassnet.playground.frames` — the frame encoder (grid evaluation, base64 float32);
* :mod:`~glassnet.playground.session` — the per-session state machine (data, network,
  optimizer, schedule, stepping, inspect/walk/export via ``glassnet.explain``);
* :mod:`~glassnet.playground.server` — the Starlette app, the WebSocket loop and the
  per-session training task (needs the ``glassnet[playground]`` extra).

``import glassnet`` does not import this package; importing this package imports nothing heavy.
The wire protocol is documented in docs/playground.md.
"""
