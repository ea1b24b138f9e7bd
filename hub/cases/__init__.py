"""Cases (办件): what a comprehensive window accepts for a department's back
office (按责转办), decided within the promised working days (限时办结),
watched by the hall (统一督办) and handed out at one output window (统一出件).

- rules: the case state machine and the deadline arithmetic, pure.
- service: cases in the database (created by the finish hook, moved by actions).
- pickup: the output-window ticket for a ready case (the kiosk's 取件).
- supervision: due and overdue cases, alerts fired once each.
- reports, report_files: figures per department and matter; CSV/XLSX.
- api: the HTTP routes and `init_app(app)`, which wires all of it into a hub.
"""
