"""Reads: applications, versions, history and lists as answers (`queries`), rows turned into the wire
models (`views`), and the list's rows as plain tuples (`listing`). Nothing here changes state."""
