() => {
  // Gradio ships no Vietnamese locale: switch to the "vi" strings the page registered.
  const core = "__CORE_MODULE__";
  if (core) {
    import(new URL("assets/" + core, document.baseURI).href)
      .then((m) => m.changeLocale && m.changeLocale("vi"))
      .catch(() => {})
      .finally(() => { document.documentElement.lang = "vi"; });
  }
  document.documentElement.lang = "vi";
  // Labels for the few controls Gradio renders without one.
  const label = () => {
    document.querySelectorAll("#task-table input[type=checkbox]:not([aria-label])")
      .forEach((box) => box.setAttribute("aria-label", "Chọn dòng"));
  };
  new MutationObserver(label).observe(document.body, { childList: true, subtree: true });
}
