// Installed before anything else runs: any script error lands in the DOM (html[data-js-errors]), where a reader
// and the tests see it.
window.addEventListener("error", function (e) {
  var d = document.documentElement;
  d.setAttribute("data-js-errors", (d.getAttribute("data-js-errors") || "") + (e.message || "error") + " | ");
});
