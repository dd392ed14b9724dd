"""The Gradio app's state, event handlers and HTML; ``app.py`` wires them to the page."""
