"""The hub-client library: everything that talks to a hub from outside
(the serial bridge, the pygame board, the latency and slip tools, the soak).

- `http.HubHttp`: JSON over HTTP with a device key or a staff token; errors
  come back as `HubError` (the hub's `{"error": {"code", "message"}}`) or
  `HubUnreachable` (no answer).
- `link.HubLink`: the Socket.IO link: snapshot, events in order, resume after
  a drop, reconnect with back-off (the rule is in `sequence.Sequencer`).
- `acks.CallAcks`: tells the hub which calls a board showed and said.

Standard library, requests and the python-socketio client only: nothing
of Flask and nothing of the hub's store, service or web layers.
"""
