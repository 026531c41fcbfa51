// Show only the questions that apply; without JavaScript every question stays visible.
(function () {
  var form = document.getElementById("report-form");
  function checked(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }
  function update() {
    var category = checked("category"), subject = checked("subject_kind");
    form.querySelectorAll("[data-show-for-subject]").forEach(function (el) {
      el.hidden = el.dataset.showForSubject.split(" ").indexOf(subject) < 0;
    });
    form.querySelectorAll("[data-show-for-category]").forEach(function (el) {
      el.hidden = el.dataset.showForCategory !== category;
    });
    var chosen = form.querySelector('input[name="category"]:checked');
    var noFiles = chosen && chosen.dataset.acceptsEvidence === "no";
    document.getElementById("indecent-images-guidance").hidden = !noFiles;
    document.getElementById("evidence-section").hidden = !!noFiles;
    form.querySelector('input[name="evidence"]').disabled = !!noFiles;
  }
  form.addEventListener("change", update);
  update();
  var problems = document.getElementById("form-problems");
  if (problems) { problems.focus(); }
})();
