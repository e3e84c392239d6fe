"""The messages of rule outcomes in Swedish, Norwegian Bokmål and English: `render` turns the typed figures a
check returns (`engine.figures`) into text in a language, with each language's number format; `templates`
holds the texts of every rule, keyed by message key, with those of the State-aid rules in `state_aid`."""
