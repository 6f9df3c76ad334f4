"""Scripts the served page runs in the browser, each a hidden markdown cell of the served notebook (Voila's template
passes a markdown cell's script through, and the page runs it while its HTML is read, before any widget renders;
nothing runs in the kernel). See :func:`workbench.ui.serve.served_notebook`."""

# Voila renders the app's cell from the outputs nbclient collected while the kernel ran it. Seldom (seen with and
# without the pre-heated pool, on a busy 2-core machine; cause not found) nbclient collects none: the page's HTML
# then holds the app's cell without its view (class jp-mod-noOutputs) and stays blank forever, although the kernel
# has built the app. This guard sees that once the HTML is whole and loads the page again (a new kernel), twice at
# most in a row; after that it says what happened and what to do.
PAGE_GUARD = """<script>
(function () {
  var cell = document.currentScript && document.currentScript.closest(".jp-Cell");
  if (cell) { cell.style.display = "none"; }
  var key = "workbench-page-retries";
  function check() {
    var cells = document.querySelectorAll(".jp-CodeCell");
    var app = cells[cells.length - 1];
    var tries = +(sessionStorage.getItem(key) || 0);
    if (!app || !app.classList.contains("jp-mod-noOutputs")) { sessionStorage.removeItem(key); return; }
    if (tries < 2) { sessionStorage.setItem(key, tries + 1); location.reload(); return; }
    sessionStorage.removeItem(key);
    var note = document.createElement("div");
    note.className = "wb-page-lost";
    note.style.cssText = "margin:24px;padding:12px;border:1px solid #c62828;color:#c62828;font:15px sans-serif";
    note.textContent = "The server sent this page without the app (three times in a row). The server may be " +
      "very busy: wait a minute, then reload the page.";
    document.body.insertBefore(note, document.body.firstChild);
    var spinner = document.getElementById("loading");  // Voila's "Executing…" would say it still works on it
    if (spinner) { spinner.style.setProperty("display", "none", "important"); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", check); } else { check(); }
})();
</script>"""


# ipywidgets' FileUpload reads each chosen file whole (FileReader.readAsArrayBuffer) and sends it in one websocket
# message, reporting the File's own size beside the bytes. A file over the upload cap is read as no bytes: only
# its name and size reach the kernel, which refuses it in words; the page never sends what the websocket would
# drop the connection for. Markdown passes the script through, and the page runs it before any widget renders.
UPLOAD_GUARD = """<script>
(function () {
  var cap = CAP_BYTES;
  var cell = document.currentScript && document.currentScript.closest(".jp-Cell");
  if (cell) { cell.style.display = "none"; }
  if (window.workbenchUploadCap) { window.workbenchUploadCap = cap; return; }
  window.workbenchUploadCap = cap;
  var read = FileReader.prototype.readAsArrayBuffer;
  FileReader.prototype.readAsArrayBuffer = function (blob) {
    var over = typeof File !== "undefined" && blob instanceof File && blob.size > window.workbenchUploadCap;
    return read.call(this, over ? new Blob([]) : blob);
  };
})();
</script>"""


# ipywidgets' front end (base-manager 1.0, jupyterlab_widgets 3.0) renders the app's view by asking the widget
# manager for the app's model (``get_model``): it polls for the model for 2 s, and when the 2 s are up it throws
# without looking once more. When the kernel's answer with every widget's state arrives just before the 2 s are up
# (a busy or slow machine: two pages opened at once), building the ~1,000 models keeps the page's thread busy past
# the deadline: the models are all there, the restore is done, and the poll still throws; the page then shows
# "Error displaying widget: model not found" for good. This guard wraps ``get_model`` to look once more before
# it gives up. It reaches the widget manager's class through the jupyterlab-manager extension's module federation
# container (``window._JUPYTERLAB[...]``, ``get("./index")``) when Voila asks that container for the extension
# (every container's shared modules are registered by then), before Voila builds the manager; if any of that is not
# there (another version), it does nothing.
WIDGET_GUARD = """<script>
(function () {
  var cell = document.currentScript && document.currentScript.closest(".jp-Cell");
  if (cell) { cell.style.display = "none"; }
  var NAME = "@jupyter-widgets/jupyterlab-manager";
  function guard(lib) {
    var proto = lib && lib.KernelWidgetManager && lib.KernelWidgetManager.prototype;
    while (proto && !Object.prototype.hasOwnProperty.call(proto, "get_model")) { proto = Object.getPrototypeOf(proto); }
    if (!proto || proto.get_model.workbenchGuard) { return; }
    var getModel = proto.get_model;
    proto.get_model = function (id) {
      var self = this;
      return getModel.call(this, id).catch(function (err) {
        var late = self._models && self._models[id];
        if (late !== undefined) { return late; }
        throw err;
      });
    };
    proto.get_model.workbenchGuard = true;
  }
  function wrap(container) {
    if (!container || typeof container.init !== "function" || typeof container.get !== "function") { return container; }
    var guarded = null;
    return {  // the container's own properties are getters: it is wrapped, not changed
      init: function (scope) { return container.init(scope); },
      get: function (module) {  // Voila asks for the extension once every container is initialised
        var asked = Promise.resolve(container.get(module));
        guarded = guarded || asked
          .then(function () { return container.get("./index"); })
          .then(function (factory) { guard(factory()); })
          .catch(function (err) { console.warn("workbench: the widget guard is not installed", err); });
        return Promise.all([asked, guarded]).then(function (both) { return both[0]; });
      }
    };
  }
  var hub = window._JUPYTERLAB = window._JUPYTERLAB || {};
  if (Object.getOwnPropertyDescriptor(hub, NAME) && Object.getOwnPropertyDescriptor(hub, NAME).get) { return; }
  var held = wrap(hub[NAME]);
  Object.defineProperty(hub, NAME, {
    configurable: true, enumerable: true,
    get: function () { return held; },
    set: function (value) { held = wrap(value); }
  });
})();
</script>"""
