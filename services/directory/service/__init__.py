"""Domain rules of the directory: tree rules, who may grant what, tokens, audit."""
