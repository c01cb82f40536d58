// Counts window errors from the first moment, and once loaded, how many
// inlined plots have a non-empty box: a browser test reads both from the
// body's data-plots and data-errors attributes.
(function () {
  var errors = 0;
  function publish() {
    if (document.body) document.body.dataset.errors = String(errors);
  }
  window.addEventListener("error", function () { errors += 1; publish(); }, true);
  window.addEventListener("load", function () {
    var plots = 0;
    var svgs = document.querySelectorAll("figure.plot > svg");
    for (var i = 0; i < svgs.length; i++) {
      var box = svgs[i].getBoundingClientRect();
      if (box.width > 0 && box.height > 0) plots += 1;
    }
    document.body.dataset.plots = String(plots);
    publish();
  });
})();
