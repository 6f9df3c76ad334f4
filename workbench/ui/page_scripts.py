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
