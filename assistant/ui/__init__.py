"""The chat page: `build_ui` (Gradio Blocks) and `mount_ui` (mount it at "/" on the API app)."""

from assistant.ui.page import build_ui, filtered_tasks, mount_ui
from assistant.ui.render import render_answer, render_sources, text_html

__all__ = ["build_ui", "filtered_tasks", "mount_ui", "render_answer", "render_sources", "text_html"]
