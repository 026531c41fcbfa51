"""Demo and trust-scale data: the top layer. It depends on everything; nothing imports it."""
