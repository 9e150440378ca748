// The registration form's live check of the requested address (the server checks again on submit).
(function () {
  "use strict";
  var input = document.querySelector("input[data-check]");
  var output = document.getElementById("slug-check");
  if (!input || !output) { return; }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var slug = input.value.trim().toLowerCase();
      if (!slug) { output.textContent = ""; return; }
      fetch(input.dataset.check + "?slug=" + encodeURIComponent(slug), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          output.textContent = answer.message;
          output.className = answer.ok ? "hint" : "hint error-text";
        })
        .catch(function () { output.textContent = ""; });
    }, 300);
  });
})();
