"""The assessment of an eligible application: assessors assigned, their declarations of interests, their
scores against the call's criteria (`assessors`), and the exact consolidation of scores (`scoring`)."""
