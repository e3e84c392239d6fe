"""Reads: applications, versions, history and lists as answers (`queries`), and rows turned into the wire
models (`views`). Nothing here changes state."""
