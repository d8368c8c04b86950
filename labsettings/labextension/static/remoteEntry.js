// The course's labextension: one style sheet, no plugin. JupyterLab loads a
// prebuilt extension's remoteEntry and asks its container for "./style"; this
// hand-written container (no build step) answers with a module that adds the
// sheet. It styles the summary line that the course's server extension
// (outputsaving_lab.py) puts first in Validate's dialog: nbgrader's
// labextension draws every entry of "failed" under "The following cell
// failed:" with a code box; for the summary entry both are hidden.
(function () {
  var CSS = [
    "#validation-message:has(> div:nth-child(3) .outputsaving-validate-summary)",
    "  > div:nth-child(-n + 2) { display: none; }",
    "#validation-message pre:has(> .outputsaving-validate-summary) {",
    "  border: none; background: none; padding: 0; }",
    "#validation-message .outputsaving-validate-summary {",
    "  display: block; font-family: var(--jp-ui-font-family);",
    "  font-size: var(--jp-ui-font-size2); white-space: normal; }",
  ].join("\n");
  function style() {
    var sheet = document.createElement("style");
    sheet.id = "outputsaving-lab-style";
    sheet.textContent = CSS;
    document.head.appendChild(sheet);
    return {};
  }
  var jupyterlab = (window._JUPYTERLAB = window._JUPYTERLAB || {});
  jupyterlab["outputsaving-lab"] = {
    init: function () {},
    get: function (module) {
      if (module !== "./style") {
        return Promise.reject(new Error("outputsaving-lab has no " + module));
      }
      return Promise.resolve(style);
    },
  };
})();
