"""The link to the provincial 好差评 system: the outbox sender and a simulator of the platform."""
