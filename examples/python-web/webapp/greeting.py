"""Pure logic, kept free of Flask so it is trivially unit-testable."""

SERVICE_NAME = "python-web"
MAX_NAME_LENGTH = 64


def greeting_line(name: str | None = None) -> str:
    """Return the greeting served on ``GET /`` (and ``GET /hello/<name>``)."""
    if name is None:
        return f"hello from {SERVICE_NAME}"
    return f"hello {normalise_name(name)}, from {SERVICE_NAME}"


def normalise_name(raw: str) -> str:
    """Trim, collapse inner whitespace and cap the length of a visitor's name."""
    cleaned = " ".join(raw.split())
    if not cleaned:
        raise ValueError("name must not be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        cleaned = cleaned[:MAX_NAME_LENGTH]
    return cleaned
