"""Index: embed chunks, keep the FAISS, SQLite and BM25 stores and the manifest, sync them."""
