// The report form, improved where a browser runs scripts (the server checks everything again):
// chosen files are checked before anything is sent, and the page notes the screen size and
// time zone the developers need.
(function () {
  "use strict";
  var screen = document.getElementById("id_screen");
  if (screen) { screen.value = window.screen.width + "x" + window.screen.height; }
  var zone = document.getElementById("id_timezone");
  if (zone) { zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; }

  var input = document.getElementById("id_attachments");
  var texts = document.getElementById("file-messages");
  if (!input || !texts) { return; }
  var error = document.getElementById("id_attachments_error");
  var maxBytes = Number(input.getAttribute("data-max-bytes"));
  var maxFiles = Number(input.getAttribute("data-max-files"));
  var accepted = (input.getAttribute("accept") || "").split(",");

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }
  function problems(files) {
    var found = [];
    if (files.length > maxFiles) {
      found.push(say(texts.dataset.tooMany, {count: maxFiles}));
    }
    Array.prototype.forEach.call(files, function (file) {
      if (file.size > maxBytes) {
        found.push(say(texts.dataset.tooBig, {name: file.name, limit: maxBytes / 1048576}));
      } else if (file.type && accepted.indexOf(file.type) === -1) {
        found.push(say(texts.dataset.wrongType, {name: file.name}));
      }
    });
    return found;
  }
  input.addEventListener("change", function () {
    var found = problems(input.files);
    var described = (input.getAttribute("aria-describedby") || "").split(" ");
    if (found.length) {
      // Nothing that would be refused is sent: the choice is cleared and the reason given.
      input.value = "";
      error.textContent = found.join(" ");
      error.hidden = false;
      error.setAttribute("role", "alert");
      input.setAttribute("aria-invalid", "true");
      if (described.indexOf(error.id) === -1) { described.push(error.id); }
    } else {
      error.hidden = true;
      error.textContent = "";
      input.removeAttribute("aria-invalid");
      described = described.filter(function (id) { return id !== error.id; });
    }
    input.setAttribute("aria-describedby", described.join(" ").trim());
  });
})();
