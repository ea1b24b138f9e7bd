"""The hub-client library: everything that talks to a hub from outside
(the serial bridge, the pygame board, the latency and slip tools, the soak).

- `http.HubHttp`: JSON over HTTP with a device key or a staff token; errors
  come back as `HubError` (the hub's `{"error": {"code", "message"}}`) or
  `HubUnreachable` (no answer).
- `link.HubLink`: the Socket.IO link: snapshot, events in order, resume after
  a drop, reconnect with back-off (the rule is in `sequence.Sequencer`).
- `acks.CallAcks`: tells the hub which calls a board showed and said.

The standard library only (`wire.Wire`: Socket.IO v5 over one WebSocket;
`http.Connection`: HTTP/1.1 on a socket): nothing of Flask, nothing of the
hub's store, service or web layers, and none of python-socketio's client,
requests or ssl, which were ~30 MB of every board and bridge (ssl is loaded
only for an https hub). docs/performance.md §7 has the figures.
"""
