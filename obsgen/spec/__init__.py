"""Spec loading: YAML with line numbers, pydantic models, cross-document checks."""
