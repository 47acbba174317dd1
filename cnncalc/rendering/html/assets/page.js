(function () {
  "use strict";
  function rows(t) { return Array.prototype.slice.call(t.tBodies[0].rows); }
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null || v === "") return null;
    var n = Number(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  function refresh(t) {
    var hidden = {}, closed = {};
    rows(t).forEach(function (r) {
      var id = r.getAttribute("data-id"), p = r.getAttribute("data-parent") || "";
      var hide = p !== "" && (hidden[p] || closed[p]);
      hidden[id] = !!hide;
      closed[id] = r.classList.contains("closed");
      r.classList.toggle("hid", !!hide);
      var b = r.querySelector("button.tw");
      if (b) { b.textContent = closed[id] ? "\u25B8" : "\u25BE"; b.setAttribute("aria-expanded", String(!closed[id])); }
    });
  }
  function arrange(t, col, dir) {
    var kids = {}, body = t.tBodies[0];
    rows(t).forEach(function (r) { var p = r.getAttribute("data-parent") || ""; (kids[p] = kids[p] || []).push(r); });
    function cmp(a, b) {
      var ia = Number(a.getAttribute("data-i")), ib = Number(b.getAttribute("data-i"));
      if (col < 0) return ia - ib;
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === null || y === null) return x === y ? ia - ib : (x === null ? 1 : -1);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || ia - ib;
    }
    (function walk(p) {
      (kids[p] || []).sort(cmp).forEach(function (r) { body.appendChild(r); walk(r.getAttribute("data-id")); });
    })("");
    refresh(t);
  }
  function setAll(t, closed) {
    rows(t).forEach(function (r) { if (r.querySelector("button.tw")) r.classList.toggle("closed", closed); });
    refresh(t);
  }
  function init(t) {
    var parents = {};
    rows(t).forEach(function (r, i) {
      r.setAttribute("data-i", String(i));
      if (!r.getAttribute("data-id")) r.setAttribute("data-id", "r" + i);
      parents[r.getAttribute("data-parent") || ""] = true;
    });
    var headers = Array.prototype.slice.call(t.tHead.rows[0].cells);
    headers.forEach(function (th, col) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      var state = 0;
      function go() {
        state = (state + 1) % 3;
        headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        var first = th.getAttribute("data-sort") === "num" ? -1 : 1;
        var dir = state === 1 ? first : -first;
        if (state) th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        arrange(t, state ? col : -1, dir);
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); }
      });
    });
    if (!t.classList.contains("tree")) return;
    var open = Number(t.getAttribute("data-open") || "2");
    rows(t).forEach(function (r) {
      var id = r.getAttribute("data-id");
      if (!parents[id]) return;
      var b = document.createElement("button");
      b.className = "tw";
      b.type = "button";
      b.id = "tw-" + t.id + "-" + id;
      b.addEventListener("click", function () { r.classList.toggle("closed"); refresh(t); });
      r.cells[0].insertBefore(b, r.cells[0].firstChild);
      if (Number(r.getAttribute("data-depth")) >= open) r.classList.add("closed");
    });
    var tools = document.createElement("div");
    tools.className = "tools";
    tools.id = "tools-" + t.id;
    [["expand all", false], ["collapse all", true]].forEach(function (spec) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = spec[0];
      b.addEventListener("click", function () { setAll(t, spec[1]); });
      tools.appendChild(b);
    });
    t.parentNode.parentNode.insertBefore(tools, t.parentNode);
    refresh(t);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), init);
  var data = document.getElementById("cnncalc-data"), foot = document.getElementById("provenance");
  if (data && foot) {
    var a = document.createElement("a");
    a.id = "json-download";
    a.download = "cnncalc-" + document.documentElement.getAttribute("data-kind") + ".json";
    a.href = "data:application/json;charset=utf-8," + encodeURIComponent(data.textContent);
    a.textContent = "Download the data (JSON)";
    foot.appendChild(a);
  }
  document.documentElement.setAttribute("data-js", "ready");
})();
