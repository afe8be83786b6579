"""The shared kernel of every govhub service (see DESIGN.md, rule 2)."""
