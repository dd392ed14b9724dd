"""Search: read the question (terms, dates), retrieve dense and lexical passages, fuse them."""
