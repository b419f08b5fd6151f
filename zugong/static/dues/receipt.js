// The receipt's print button (no inline script under the Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-receipt");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
