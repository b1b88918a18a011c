"""Tawasul: the national suggestions and complaints platform (shared Lambda layer)."""
