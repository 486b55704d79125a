// The error summary takes focus, so keyboard and screen reader users start at what to fix.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
