"""The page's "Thủ tục" tab (placeholder: the procedures helper supplies the real tab)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

if TYPE_CHECKING:
    from assistant.service import Assistant


def build_procedures_tab(assistant: "Assistant") -> None:
    """Creates the tab's components inside the current gr.Blocks/gr.Tab context."""
    gr.Markdown("Danh mục thủ tục")
