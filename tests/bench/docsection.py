"""Writes one '## ' section of docs/benchmarks.md, replacing the section of the same heading if it is there."""
import pathlib


def write_section(heading: str, body: str, path: str = "docs/benchmarks.md") -> None:
    doc = pathlib.Path(path)
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\n"
    section = f"## {heading}\n\n{body.rstrip()}\n\n"
    start = text.find(f"## {heading}")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    doc.write_text(text.rstrip() + "\n")
