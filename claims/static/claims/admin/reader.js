// The editors' reading view: selecting text fills the "Quote a passage" form.
// The offsets sent are only a hint; the server anchors the passage itself.
"use strict";
(function () {
  const text = document.getElementById("source-text");
  const form = document.getElementById("passage-form");
  if (!text || !form) return;
  const passage = form.querySelector("#id_passage_text");
  const start = form.querySelector("#id_passage_start");
  const help = document.getElementById("passage-help");

  function codePoints(value) {
    // Python counts code points; the DOM counts UTF-16 units.
    return Array.from(value).length;
  }

  function onSelection() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return;
    const range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
    const selected = range.toString();
    if (!selected.trim()) return;
    const before = document.createRange();
    before.setStart(text, 0);
    before.setEnd(range.startContainer, range.startOffset);
    passage.value = selected;
    start.value = String(codePoints(before.toString()));
    if (help) help.textContent = "Passage selected: choose what to do with it.";
    form.classList.add("has-passage");
  }

  text.addEventListener("mouseup", onSelection);
  text.addEventListener("keyup", onSelection);
  passage.addEventListener("input", function () { start.value = ""; });
})();
