/* csa-stats: a wide table scrolls sideways inside its box (on a phone, mostly). Where one does,
   its box is marked, and the style sheet says so above the table: nothing else shows that the
   columns on the right are there. Marked again when the window's width changes. */
(function () {
  function mark() {
    document.querySelectorAll(".pst-scrollable-table-container").forEach(function (box) {
      box.classList.toggle("csa-scrolls", box.scrollWidth > box.clientWidth + 1);
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();
