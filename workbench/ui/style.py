"""The app's stylesheet: one <style> element the app puts first in its page (css hooks ``wb-*``)."""

CSS = """
<style>
.wb-app { font-size: 14px; }
.wb-app .wb-title h2 { margin: 4px 0 2px 0; }
.wb-app .wb-hint { color: #555; font-size: 13px; line-height: 1.35; }
.wb-app .wb-error { color: #a4000f; background: #fdecea; border-left: 4px solid #d93025; padding: 6px 10px;
  margin: 4px 0; border-radius: 3px; line-height: 1.35; white-space: normal; }
.wb-app .wb-ok { color: #0b6b2c; }
/* ipywidgets sets an HTML widget's line height to a widget row's 28 px (a one-line label beside an input); text
   that wraps (a verdict, a message, a list) reads at a text's line height, and an error's box wraps whole. */
.wb-app .widget-html-content:has(> div, > ul, > table, > p, > span.wb-error), .wb-app .wb-blocked .widget-html-content {
  line-height: 1.35; }
.wb-app span.wb-error { display: inline-block; max-width: 100%; box-sizing: border-box; }
.wb-app .wb-progress-text .widget-html-content { line-height: 1.35; }
.wb-app table.wb-config-diff td:first-child { min-width: 150px; }
.wb-app .wb-adjusted ul { margin: 2px 0 6px 0; padding-left: 20px; }
.wb-app .wb-warn { color: #8a5300; }
.wb-app .wb-field-msg { font-size: 12px; line-height: 1.2; }
.wb-app table.wb-table { border-collapse: collapse; font-size: 12.5px; margin: 4px 0; }
.wb-app table.wb-table th { background: #f3f5f7; text-align: left; padding: 3px 8px; border-bottom: 1px solid #ccd; }
.wb-app table.wb-table td { padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; max-width: 360px;
  overflow-wrap: anywhere; }
/* Text that wraps inside an HTML widget reads at a text's line height, not the 28 px of a widget row. */
.wb-app table.wb-table th, .wb-app table.wb-table td, .wb-app .wb-run-on-note .widget-html-content {
  line-height: 1.35; }
.wb-app table.wb-loss-table tr.wb-fits td { background: #f3fbf5; }
.wb-app table.wb-loss-table tr.wb-nofit td { color: #666; }
.wb-app table.wb-loss-table tr.wb-chosen td { font-weight: bold; }
.wb-app table.wb-loss-table td:nth-child(2) { white-space: nowrap; }
.wb-app .wb-section { font-weight: bold; margin: 10px 0 2px 0; color: #234; }
.wb-app .wb-log { font-family: monospace; font-size: 12px; max-height: 180px; overflow-y: auto;
  background: #fafafa; border: 1px solid #e3e3e3; padding: 4px 6px; white-space: pre-wrap; }
.wb-app .wb-status { font-size: 15px; }
.wb-app .wb-panel { padding: 6px 4px; }
.wb-app .wb-card { border: 1px solid #dde; border-radius: 6px; padding: 8px 12px; background: #fff; }
.wb-app .wb-invalid input, .wb-app input.wb-invalid, .wb-app .wb-invalid select {
  border-color: #d93025 !important; background: #fdecea; }
.wb-app .wb-hint code, .wb-app .wb-help code { background: #f1f3f5; padding: 0 3px; border-radius: 3px;
  font-size: 12px; }
.wb-app .wb-help { color: #555; font-size: 12.5px; line-height: 1.35; white-space: normal; }
.wb-app .wb-arg-name { font-weight: 600; }
/* A long setting name wraps at a text's line height (two lines of a 28 px widget row stood 28 px apart). */
.wb-app .wb-arg-label .widget-html-content { line-height: 1.3; padding-top: 5px; }
.wb-app .wb-arg-raw { color: #666; font-size: 12px; }
/* FileUpload writes "description (count)" as its text: show only its label (the tooltip), never "(0)". */
.wb-app .widget-upload.wb-nocount { font-size: 0 !important; }
.wb-app .widget-upload.wb-nocount > i { display: none; }
.wb-app .widget-upload.wb-nocount::after { content: attr(title); font-size: 13px; }
/* Start, Stop and the status stay in view while the page scrolls (1024x768 included). */
.wb-app .wb-runbar { position: sticky; top: 0; z-index: 20; background: #fff; border-bottom: 1px solid #dde;
  padding: 4px 0; box-shadow: 0 2px 4px rgba(0, 0, 0, 0.06); }
.wb-app .wb-runbar .wb-status { margin: 0 0 0 10px; }
/* A button that cannot be pressed now reads as such (a faded red Stop looked pressable): grey, not a pale hue. */
.wb-app .wb-runbar button:disabled { background: #e4e6e8 !important; color: #8a8f94 !important; opacity: 1;
  box-shadow: none; cursor: not-allowed; }
.wb-app .wb-blocked { color: #a4000f; font-size: 13px; line-height: 1.3; }
.wb-app .wb-tabs { min-width: 0; }
/* Every tab title is read whole: a tab is as wide as its title, and the titles wrap onto a second row where
   they do not fit (the 560 px the tabs get at 1024 px). The selector outweighs ipywidgets' own, which gives a tab a
   fixed basis and cuts its title. */
.wb-app .wb-tabs.jupyter-widget-tab > .lm-TabBar > .lm-TabBar-content { flex-wrap: wrap; }
.wb-app .wb-tabs.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto; min-width: 0; padding: 0 9px;
  font-size: 13px; }
.wb-app .wb-tabs.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tabLabel { overflow: visible; }
/* The output folder: the box takes the column's width, the full path is written out below it (wrapped, one
   click selects it for copying). */
.wb-app .wb-output-dir { width: auto; max-width: 100%; box-sizing: border-box; }
.wb-app .wb-output-path code { overflow-wrap: anywhere; user-select: all; cursor: text; }
/* A box that clips or scrolls makes a sticky child stick inside it (never in view): the app's own box and the
   output area around it (Voila, JupyterLab) must not; the page's scroller is then what the bar sticks to. */
.wb-app.widget-box, .wb-app { overflow: visible !important; }
.jp-OutputArea:has(.wb-runbar), .jp-OutputArea-child:has(.wb-runbar), .jp-OutputArea-output:has(.wb-runbar) {
  overflow: visible !important; }
</style>
"""
