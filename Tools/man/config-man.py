#!/usr/bin/env python3
"""Turns a documented configuration file (systemd/bleagent.toml, systemd/server.toml) into a man
page (man(7) macros): the opening comment is the description, each [table] a subsection, each key —
set or commented out — an item with its value and the comment above it. The TOML file stays the one
source; scripts/make-docs.sh runs this.

    config-man.py FILE.toml NAME SECTION "one-line summary" "program that reads it" > NAME.SECTION
"""
import re
import sys

TABLE = re.compile(r"^#?\s*(\[\[?[A-Za-z0-9_.]+\]\]?)\s*$")
KEY = re.compile(r"^(#\s*)?([A-Za-z0-9_]+)\s*=\s*(.+?)\s*$")


def roff(text):
    """Text safe in a roff line: backslashes, leading dots and quotes, hyphens as minus where they
    are options or code."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def parse(lines):
    """(opening paragraphs, [(table, [("text", paragraph) | ("key", name, value, commented, description)])])."""
    head, tables, pending = [], [], []
    current = None

    def flush():
        if pending:
            paragraph = " ".join(pending)
            (current[1].append(("text", paragraph)) if current else head.append(paragraph))
            pending.clear()

    for raw in lines:
        line = raw.rstrip("\n")
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        table = TABLE.match(stripped)
        if table:
            flush()
            current = (table.group(1), [])
            tables.append(current)
            continue
        key = KEY.match(stripped)
        if key and current is not None:
            current[1].append(("key", key.group(2), key.group(3), bool(key.group(1)), " ".join(pending)))
            pending.clear()
            continue
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
    flush()
    return head, tables


def page(path, name, section, summary, reader):
    with open(path, encoding="utf-8") as f:
        head, tables = parse(f)
    out = [f'.TH {name.upper()} {section} "" "bleagent" "File Formats"',
           ".SH NAME", f"{roff(name)} \\- {roff(summary)}",
           ".SH SYNOPSIS", f".B /etc/bleagent/{roff(name)}",
           ".SH DESCRIPTION"]
    for paragraph in head:
        out += [roff(paragraph), ".PP"]
    out += [f"The file is TOML, read by {roff(reader)}. Each key below is shown as the documented file "
            "has it: set, or commented out (the default applies, or the value is an example)."]
    out += [".SH OPTIONS"]
    for table, items in tables:
        out += [f".SS {roff(table)}"]
        previous = None
        for item in items:
            if item[0] == "text":
                out += [".PP", roff(item[1])]
                continue
            _, key, value, commented, description = item
            out += [".TP", f"\\fB{roff(key)}\\fR = {roff(value)}" + (" (commented out)" if commented else "")]
            if not description:
                description = f"See {previous} above." if previous else "Described with its table."
            out += [roff(description)]
            previous = key
    out += [".SH FILES", f".TP\n.I /etc/bleagent/{roff(name)}", "The configuration file.",
            ".SH SEE ALSO", ".BR bleagent (1),", ".BR bleagent\\-server (8)"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    sys.stdout.write(page(*sys.argv[1:]))
