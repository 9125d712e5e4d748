"""Reads and writes one '## ' section of docs/benchmarks.md; writing replaces the section of the same heading."""
import pathlib


def _bounds(text: str, heading: str):
    """Where the section starts and where the next one starts (None: the end), or None when it is not there."""
    start = text.find(f"## {heading}")
    if start < 0:
        return None
    end = text.find("\n## ", start + 1)
    return start, (end + 1 if end >= 0 else None)


def read_section(heading: str, path: str = "docs/benchmarks.md") -> str:
    doc = pathlib.Path(path)
    text = doc.read_text() if doc.exists() else ""
    bounds = _bounds(text, heading)
    return text[bounds[0]:bounds[1]] if bounds else ""


def write_section(heading: str, body: str, path: str = "docs/benchmarks.md") -> None:
    doc = pathlib.Path(path)
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\n"
    section = f"## {heading}\n\n{body.rstrip()}\n\n"
    bounds = _bounds(text, heading)
    if bounds:
        text = text[:bounds[0]] + section + (text[bounds[1]:] if bounds[1] is not None else "")
    else:
        text = text.rstrip() + "\n\n" + section
    doc.write_text(text.rstrip() + "\n")
