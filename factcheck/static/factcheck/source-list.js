// The report forms' source fields share one <datalist id="source-list" data-src="…">. It
// ships empty (thousands of sources would be most of every page) and is filled from its
// data-src once, the first time a reader focuses one of those fields. Without JavaScript
// the fields still take a slug or a name; only the suggestions are missing.
(function () {
  "use strict";

  function fill(list) {
    if (list.dataset.state) return;
    list.dataset.state = "loading";
    fetch(list.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        var fragment = document.createDocumentFragment();
        body.sources.forEach(function (pair) {
          var option = document.createElement("option");
          option.value = pair[0];
          option.textContent = pair[1];
          fragment.appendChild(option);
        });
        list.appendChild(fragment);
        list.dataset.state = "ready";
      })
      .catch(function () {
        delete list.dataset.state; // try again on the next focus
      });
  }

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (!field.list || !field.list.dataset || !field.list.dataset.src) return;
    fill(field.list);
  });
})();
