// Upload progress for forms marked data-progress="<id of a <progress>>".
// htmx sends the form by XMLHttpRequest and re-fires the request's upload
// progress as htmx:xhr:progress on the form; this moves the bar. Without
// JavaScript the form posts normally and the bar stays empty.
(function () {
  "use strict";

  function bar(elt) {
    var form = elt && elt.closest ? elt.closest("form[data-progress]") : null;
    return form ? document.getElementById(form.getAttribute("data-progress")) : null;
  }

  document.addEventListener("htmx:xhr:progress", function (evt) {
    var p = bar(evt.target);
    if (!p || !evt.detail.lengthComputable || evt.detail.total <= 0) {
      return;
    }
    p.max = evt.detail.total;
    p.value = evt.detail.loaded;
  });

  // A new upload starts the bar from zero.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var p = bar(evt.detail.elt);
    if (p) {
      p.value = 0;
    }
  });

  // A refused upload (4xx) comes back as the case page with the reason
  // beside the form: show it, as the page without JavaScript would. The
  // event's elt is the swap's target; the form is the request's.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var s = evt.detail.xhr.status;
    if (bar(evt.detail.requestConfig.elt) && s >= 400 && s < 500) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
})();
