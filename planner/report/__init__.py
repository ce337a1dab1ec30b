"""Reports: JSON data, the Excel workbook, the terminal summary."""


def counted(n: int, noun: str) -> str:
    """Return a count with its noun in the right number: '1 host', '12 hosts', '1,000 replicas'."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
