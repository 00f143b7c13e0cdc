"""Writing the output tree: atomically, deterministically, deleting only what obsgen wrote."""
