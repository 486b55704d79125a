// Keep the steps up to date while any of them is waiting or running: fetch the list again
// every few seconds and swap it in (the region is aria-live, so screen readers hear changes).
(function () {
  "use strict";
  var region = document.getElementById("steps");
  if (!region) { return; }
  function working() {
    var list = region.querySelector(".steps");
    return list && list.getAttribute("data-working") === "1";
  }
  function poll() {
    if (!working()) { return; }
    fetch(region.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && !region.contains(document.activeElement)) { region.innerHTML = html; }
      })
      .catch(function () { /* the next round tries again */ })
      .then(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 3000);
})();
