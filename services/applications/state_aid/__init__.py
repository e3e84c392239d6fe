"""State aid: the aid approved applications granted per undertaking, sent with every eligibility check and
reported to the secretariat (`granted`)."""
