/* Coding in the browser: a selection in #doc-text becomes character offsets (Unicode code points, as the
   server counts them) in the coding form; the form is posted with fetch and the workspace is replaced by the
   server's answer. Without this script the form still works with the paragraph/sentence list. */
(function () {
  "use strict";

  function codePoints(s) { return Array.from(s).length; }

  // Offset (in code points) of a DOM position (node, offset) inside the text container.
  function position(container, node, offset) {
    if (node === container) {
      var kids = container.children;
      if (offset < kids.length) { return Number(kids[offset].dataset.start); }
      return Number(container.dataset.length);
    }
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var segment = element && element.closest("[data-start]");
    if (!segment || !container.contains(segment)) { return null; }
    if (node.nodeType !== Node.TEXT_NODE) {
      var before = "";
      for (var i = 0; i < offset && i < node.childNodes.length; i++) { before += node.childNodes[i].textContent; }
      return Number(segment.dataset.start) + codePoints(before);
    }
    return Number(segment.dataset.start) + codePoints(node.data.slice(0, offset));
  }

  function track() {
    var container = document.getElementById("doc-text");
    var form = document.getElementById("coding-form");
    if (!container || !form || !container.hasAttribute("data-codable")) { return; }
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) { return; }
    var start = position(container, range.startContainer, range.startOffset);
    var end = position(container, range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) { return; }
    var text = range.toString();
    form.elements.start.value = String(start);
    form.elements.end.value = String(end);
    form.elements.quote.value = text;
    if (form.elements.passage) { form.elements.passage.value = ""; }
    var status = document.getElementById("selection-status");
    if (status) {
      var shown = text.replace(/\s+/g, " ").trim();
      status.textContent = (status.dataset.prefix || "Selected") + " (" + start + "–" + end + "): “" +
        (shown.length > 160 ? shown.slice(0, 157) + "…" : shown) + "”";
      status.classList.add("active");
    }
  }

  function clearSelection(form) {
    if (form.elements.start) { form.elements.start.value = ""; form.elements.end.value = ""; form.elements.quote.value = ""; }
  }

  document.addEventListener("mouseup", function () { window.setTimeout(track, 0); });
  document.addEventListener("keyup", function (event) { if (event.shiftKey) { track(); } });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "passage" && target.value && target.form) { clearSelection(target.form); }
    if (target.hasAttribute && target.hasAttribute("data-autosubmit") && target.form) { target.form.submit(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-coding") || !window.fetch) { return; }
    event.preventDefault();
    var workspace = document.getElementById("workspace");
    var scroll = document.getElementById("doc-text");
    var top = scroll ? scroll.scrollTop : 0;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (html) { return { ok: response.ok, status: response.status, html: html }; });
    }).then(function (answer) {
      if (answer.status >= 500 || !workspace) { form.submit(); return; }
      var holder = document.createElement("template");
      holder.innerHTML = answer.html;
      var fresh = holder.content.getElementById("workspace");
      if (!fresh) { form.submit(); return; }
      workspace.replaceWith(fresh);
      var text = document.getElementById("doc-text");
      if (text) { text.scrollTop = top; }
      var message = fresh.querySelector(".messages, .error");
      if (message) { message.setAttribute("tabindex", "-1"); message.focus({ preventScroll: true }); }
    }).catch(function () { form.submit(); });
  });
})();
