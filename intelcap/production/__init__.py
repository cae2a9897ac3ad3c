"""intelcap.production (see DESIGN.md)."""

__all__: list[str] = []
