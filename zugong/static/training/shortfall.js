// 学分未达标名单: "select all" for the reminder checkboxes (<input data-check-all="name">), without inline script.
(function () {
  "use strict";

  function bind() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-check-all]"), function (box) {
      var name = box.getAttribute("data-check-all");
      box.addEventListener("change", function () {
        Array.prototype.forEach.call(document.querySelectorAll("input[name='" + name + "']"), function (c) {
          if (!c.disabled) { c.checked = box.checked; }
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
