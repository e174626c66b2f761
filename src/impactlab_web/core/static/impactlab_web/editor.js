// The structured model editor: choose a library proxy, confirm removals. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var choice = event.target.closest(".proxy-choice");
    if (choice) {
      var picker = choice.closest(".proxy-picker");
      var input = picker && document.getElementById(picker.dataset.target);
      if (input) {
        input.value = choice.dataset.proxyId;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.focus();
        var status = picker.querySelector(".proxy-chosen");
        if (!status) {
          status = document.createElement("p");
          status.className = "proxy-chosen";
          status.setAttribute("role", "status");
          picker.appendChild(status);
        }
        status.textContent = (picker.dataset.chosen || "Chosen:") + " " + choice.dataset.proxyId;
      }
      return;
    }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches(".proxy-picker input[type=search]")) {
      event.preventDefault();  // searching, not saving the form
    }
  });
})();
