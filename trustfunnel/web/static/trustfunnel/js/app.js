/* trustfunnel shell behaviour: small and progressive; pages work without it. */
(function () {
  "use strict";

  // A log form swapped in by htmx: focus the first invalid field, else the first field,
  // so the next entry can be typed without the mouse.
  document.addEventListener("htmx:load", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("[data-tf-log-form]")) {
      var target = form.querySelector("[aria-invalid=true]") ||
        form.querySelector("select, input:not([type=hidden]), textarea");
      if (target) { target.focus(); }
    }
  });

  // Filter bars submit on change of a select (search boxes submit on Enter).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches(".tf-filters select")) { el.form.requestSubmit(); }
  });
})();

/* htmx: a 422 carries a form with its errors: swap it in like a success. */
if (window.htmx) {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
}
