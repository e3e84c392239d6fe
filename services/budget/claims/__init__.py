"""Payment claims on a project's commitment: what remains to claim on a line and what claims hold
(`room`), making one by its business key (`creation`), authorising and confirming its payment with four
eyes (`payment`), reading them (`reads`), and their SQL (`repository`)."""
