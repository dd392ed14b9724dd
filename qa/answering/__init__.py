"""Answering: choose and cite the sentences that answer, or abstain; render answers."""
