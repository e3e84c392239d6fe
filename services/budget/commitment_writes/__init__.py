"""The statements that write a commitment (`repository`): the hot path of the budget, kept apart."""
