"""Evaluation: BEIR-layout sets, retrieval and answer metrics, the ``qa eval`` runner."""
