"""intelcap.accounts (see DESIGN.md)."""

__all__: list[str] = []
