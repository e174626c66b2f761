/* Renders every [data-chart] element from its JSON endpoint with the vendored Vega bundle.
   Expressions are interpreted (ast: true), so the content security policy needs no 'unsafe-eval'. */
(function () {
  "use strict";
  function render(element) {
    fetch(element.dataset.chart, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        return vegaEmbed(element, data.spec, {
          actions: false, renderer: "svg", mode: "vega-lite", ast: true, defaultStyle: false,
          formatLocale: data.locale, tooltip: false
        });
      })
      .then(function () { element.classList.add("rendered"); })
      .catch(function () { element.classList.add("failed"); });
  }
  function start() { document.querySelectorAll("[data-chart]").forEach(render); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
