// Confirmation before destructive actions: <form data-confirm="确定要……吗？">
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});

// Tab rows that scroll sideways on a phone (.nav.overflow-auto): bring the current tab into view.
document.querySelectorAll(".nav.overflow-auto").forEach(function (nav) {
  var active = nav.querySelector(".active");
  if (!active || nav.scrollWidth <= nav.clientWidth) { return; }
  var offset = active.getBoundingClientRect().left - nav.getBoundingClientRect().left;
  nav.scrollLeft += offset - (nav.clientWidth - active.offsetWidth) / 2;
});
