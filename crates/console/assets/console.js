// The consoles work without this file; it only asks before destructive
// actions (forms with data-confirm), the rest is plain HTML.
document.addEventListener("submit", function (e) {
  var form = e.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    e.preventDefault();
  }
}, true);
