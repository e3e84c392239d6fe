"""Change requests of a contracted project: a typed diff against the approved version, submitted by the
owners of the sides it touches, checked by the eligibility rules on the resulting version, assessed by the
secretariat and decided by an officer (or only notified, within the programme's flexibility); an approval
makes the project's next approved version and moves its money through the outbox."""
