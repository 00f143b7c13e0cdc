"""The plan: one normalized, backend-neutral object per SLO, compiled from the spec models."""
