// Picking people with checkboxes ([data-pick]): a search box that hides the names not matching, 全选 / 全不选
// of the names shown, and the count of those ticked. The box may be swapped in by htmx (another organization).
(function () {
  "use strict";
  function boxOf(node) { return node.closest ? node.closest("[data-pick]") : null; }
  function count(box) {
    var n = box.querySelector("[data-pick-count]");
    if (n) { n.textContent = box.querySelectorAll("input[type=checkbox]:checked").length; }
  }
  function visible(box) {
    return Array.prototype.filter.call(box.querySelectorAll("[data-pick-item]"), function (item) {
      return !item.hidden;
    });
  }
  document.addEventListener("input", function (e) {
    if (!e.target.matches || !e.target.matches("[data-pick-search]")) { return; }
    var box = boxOf(e.target);
    var q = e.target.value.trim();
    box.querySelectorAll("[data-pick-item]").forEach(function (item) {
      item.hidden = q !== "" && (item.getAttribute("data-name") || "").indexOf(q) === -1;
    });
  });
  document.addEventListener("keydown", function (e) {
    // Enter in the search box must not submit the whole form.
    if (e.key === "Enter" && e.target.matches && e.target.matches("[data-pick-search]")) { e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var all = e.target.closest && e.target.closest("[data-pick-all]");
    var none = e.target.closest && e.target.closest("[data-pick-none]");
    if (!all && !none) { return; }
    var box = boxOf(all || none);
    visible(box).forEach(function (item) {
      var input = item.querySelector("input[type=checkbox]");
      if (input && !input.disabled) { input.checked = !!all; }
    });
    count(box);
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-pick] input[type=checkbox]")) { count(boxOf(e.target)); }
  });
})();
