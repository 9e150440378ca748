// The header menu (a <details> in base.html): always open on a wide screen, behind its "Menu" button on a phone.
(function () {
  "use strict";
  var menu = document.querySelector("header.top details.menu");
  if (!menu) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  function fit() { menu.open = wide.matches; }
  fit();
  wide.addEventListener("change", fit);
})();
