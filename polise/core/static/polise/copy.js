// Copy buttons: <button data-copy="SELECTOR" hidden> copies the text of SELECTOR and says so
// in the nearest [role=status]. Hidden until this script runs, so no button that does nothing.
(function () {
  "use strict";
  function say(button, text) {
    var status = button.parentElement.querySelector("[role=status]");
    if (status) { status.textContent = text; }
  }
  function select(target) {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.innerText.trim();
      var copied = button.getAttribute("data-copied") || "Copied.";
      var selected = button.getAttribute("data-selected") || "Selected: press Ctrl+C to copy.";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say(button, copied); },
          function () { select(target); say(button, selected); }
        );
      } else {
        select(target);
        say(button, selected);
      }
    });
  });
})();
