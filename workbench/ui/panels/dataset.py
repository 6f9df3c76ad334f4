"""Step 2, the data: add train / eval / test datasets from any source the engine reads, see them load, and
preview their first rows with the role inferred for each column. The first dataset of a person's own replaces
the demo's (or is added to it: their choice), and an Excel workbook's sheet is picked after it is added."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import ipywidgets as widgets

from ...data import DEMO_DATASETS, UPLOAD_ACCEPT
from ...errors import WorkbenchError
from ...session import data_key
from ...spec import DatasetSpec, check_dataset_name
from ..one_at_a_time import one_at_a_time
from ..widgets import Deferred, Panel, esc, hide_count, hint, section, upload_content
from .dataset_view import datasets_html, form_spec, preview_html, rows_text
from .distill import DistillBox
from .mining import MiningBox

SOURCES = (
    ("Built-in demo data", "demo"),
    ("Upload a file from your computer", "upload"),
    ("CSV / TSV file (path on the server)", "csv"),
    ("JSON or JSON Lines file", "json"),
    ("Parquet file", "parquet"),
    ("Excel workbook (.xlsx)", "excel"),
    ("Arrow / Feather file, or a saved dataset folder", "arrow"),
    ("SQLite database + SQL query", "sql"),
    ("Hugging Face Hub dataset (needs internet)", "hub"),
    ("Hold out part of a train dataset", "holdout"),
)
DEMO_LABELS = {
    "pairs_scored_train": "Scored sentence pairs for training (400 rows, score 0-5)",
    "pairs_scored_dev": "Scored sentence pairs for evaluation (100 rows, score 0-5)",
    "pairs_train": "Paraphrase pairs (anchor, positive; 300 rows)",
}
SPLIT_LABELS = (
    ("train: learn from it", "train"),
    ("eval: measure during training", "eval"),
    ("test: measure at the end", "test"),
)
DEMO_CHOICE_LABELS = (("Replace the demo with my data", "replace"), ("Add my data to the demo", "add"))
HOLDOUT_IS_MEASURED = (
    "A held-out part is set aside to measure the model, so it is an eval or test set, never train. To add a "
    "train dataset, choose another source first."
)
STYLE = {"description_width": "110px"}


def _wide() -> widgets.Layout:
    return widgets.Layout(width="560px")


class DatasetPanel(Panel):
    """Add, remove and preview datasets."""

    name = "dataset"
    title = "Data"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self._syncing = False
        self._train_wanted = False  # "train" was chosen when Source = "Hold out" forced "eval"
        self._sheets: dict[str, list[str]] = {}  # workbook path -> its sheet names
        self._build_dataset_list()
        self._build_source_picker()
        self._build_source_fields()
        self._build_upload()
        self._build_add_form()
        self._build_preview()
        self._bind()
        self.lockable = [self.remove_btn, self.add_btn, self.upload, self.source, self.split]
        self.lockable += [self.demo_choice, self.sheet_pick]
        self.mining_part = Deferred(lambda: MiningBox(self), "mining")  # built when the fold is opened
        self.mining_fold = widgets.Accordion(children=[self.mining_part], selected_index=None)
        self.mining_fold.observe(self.guard(lambda c: c["new"] is None or self.mining), "selected_index")
        self.mining_fold.set_title(0, "Make it harder: mine hard negatives")
        self.mining_fold.add_class("wb-mining-fold")
        self.distill = DistillBox(session)
        self.distill_fold = widgets.Accordion(children=[self.distill], selected_index=None)
        self.distill_fold.set_title(0, "Make it smaller: distil a model into a student")
        self.distill_fold.add_class("wb-distill-fold")
        self.finish(self._layout())
        self._show_fields()
        self._refresh()

    @property
    def mining(self) -> MiningBox:
        """The hard-negative mining wizard (built on first use)."""
        return self.mining_part.ensure()

    def _build_dataset_list(self):
        """The datasets added so far, their loading progress, and removing one."""
        self.table = widgets.HTML()
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, description="Loading", bar_style="info", style=STYLE
        )
        self.progress_text = widgets.HTML()
        self.remove_pick = widgets.Dropdown(options=[], description="Remove", style=STYLE)
        self.remove_btn = widgets.Button(description="Remove dataset", button_style="warning")
        self.demo_choice = widgets.ToggleButtons(
            options=DEMO_CHOICE_LABELS, value="replace", style={"button_width": "230px"}
        )
        self.demo_choice.add_class("wb-replace-demo")
        self.demo_hint = hint(
            "You added data of your own. <b>Replace</b> trains and measures on your data only (the demo's "
            "datasets and their evaluator go); <b>Add</b> keeps the demo's datasets beside yours."
        )
        self.demo_box = widgets.VBox([self.demo_hint, self.demo_choice])

    def _build_source_picker(self):
        """What the new dataset is for, where it comes from, and its name."""
        self.split = widgets.ToggleButtons(
            options=SPLIT_LABELS,
            value="train",
            description="Use it for",
            style={**STYLE, "button_width": "190px"},
        )
        self.split_msg = widgets.HTML()
        self.source = widgets.Dropdown(
            options=SOURCES, value="demo", description="Source", style=STYLE, layout=_wide()
        )
        self.source.add_class("wb-source-select")
        self.ds_name = widgets.Text(description="Name", placeholder="a short name, e.g. stsb", style=STYLE)

    def _build_source_fields(self):
        """The fields a source may need (only the chosen source's are shown, see _show_fields)."""
        self.demo = widgets.Dropdown(
            options=[(DEMO_LABELS.get(k, k), k) for k in DEMO_DATASETS],
            description="Demo data",
            style=STYLE,
            layout=_wide(),
        )
        self.path = widgets.Text(
            description="Path", placeholder="/path/to/file.csv", style=STYLE, layout=_wide()
        )
        self.hub_subset = widgets.Text(description="Subset", placeholder="optional", style=STYLE)
        self.hub_split = widgets.Text(description="Split", placeholder="train", style=STYLE)
        self.sheet = widgets.Text(description="Sheet", placeholder="the first sheet", style=STYLE)
        self.query = widgets.Textarea(
            description="SQL query",
            placeholder="SELECT sentence1, sentence2, score FROM pairs",
            style=STYLE,
            layout=widgets.Layout(width="560px", height="60px"),
        )
        self.of = widgets.Dropdown(options=[], description="Of train set", style=STYLE)
        self.fraction = widgets.BoundedFloatText(
            value=0.1, min=0.01, max=0.9, step=0.05, description="Fraction", style=STYLE
        )
        self.limit = widgets.Text(
            description="Only first",
            placeholder="all rows",
            style=STYLE,
            tooltip="Keep only the first N rows (empty: all).",
        )

    def _build_upload(self):
        """The upload button (a file is added as soon as it arrives) and its hint."""
        self.upload = widgets.FileUpload(
            accept=UPLOAD_ACCEPT,
            multiple=False,
            description="Choose file…",
            button_style="info",
            layout=widgets.Layout(width="200px"),
        )
        self.upload.add_class("wb-upload")
        hide_count(self.upload)  # its label only, never "(0)"
        self.upload_hint = hint("")

    def _build_add_form(self):
        """The Add button, which fields each source shows, and the form that holds them all."""
        self.add_btn = widgets.Button(description="Add dataset", button_style="primary")
        self.fields = {
            "demo": [self.demo],
            "upload": [self.upload, self.upload_hint],
            "csv": [self.path],
            "json": [self.path],
            "parquet": [self.path],
            "excel": [self.path, self.sheet],
            "arrow": [self.path],
            "sql": [self.path, self.query],
            "hub": [self.path, self.hub_subset, self.hub_split],
            "holdout": [self.of, self.fraction],
        }
        self.form = widgets.VBox(
            [self.demo, self.upload, self.upload_hint, self.path, self.hub_subset, self.hub_split, self.sheet]
            + [self.query, self.of, self.fraction, self.limit]
        )

    def _build_preview(self):
        self.preview_pick = widgets.Dropdown(options=[], description="Preview", style=STYLE)
        self.sheet_pick = widgets.Dropdown(options=[], description="Sheet", style=STYLE)
        self.sheet_pick.add_class("wb-sheet")
        self.preview = widgets.HTML()
        # What a change of the Preview choice redraws (bench_browser times it by this class).
        self.preview.add_class("wb-data-preview")

    def _bind(self):
        """Widgets -> actions, and the session's data traits -> _refresh."""
        self.source.observe(self.guard(self._source_changed), "value")
        self.split.observe(self.guard(self._split_changed), "value")
        self.demo_choice.observe(self.guard(self._demo_chosen), "value")
        self.sheet_pick.observe(self.guard(self._sheet_chosen), "value")
        self.add_btn.on_click(self.guard(self._add))
        self.remove_btn.on_click(self.guard(self._remove))
        self.upload.observe(self.guard(self._uploaded), "value")
        self.preview_pick.observe(self.guard(self._pick), "value")
        self.session.observe(
            self.guard(self._refresh),
            names=["datasets", "data_version", "loading", "data_errors", "selected", "demo_choice"],
        )

    def _layout(self) -> list[widgets.Widget]:
        return [
            hint(
                "Training needs a <b>train</b> dataset. Add an <b>eval</b> dataset (another file, or a held-out "
                "part of the train data) to see how much the model improves."
            ),
            section("Your datasets"),
            self.table,
            widgets.HBox([self.progress, self.progress_text]),
            widgets.HBox([self.remove_pick, self.remove_btn]),
            self.demo_box,
            section("Add a dataset"),
            self.split,
            self.split_msg,
            self.source,
            self.ds_name,
            self.form,
            self.add_btn,
            section("Preview"),
            self.preview_pick,
            self.sheet_pick,
            self.preview,
            self.mining_fold,
            self.distill_fold,
        ]

    # ---- adding / removing ----

    def _source_changed(self, change):
        """Hold out forces eval (and says so); leaving it gives back "train" if that was the choice."""
        self.split_msg.value = ""
        if change["new"] == "holdout" and self.split.value == "train":
            self._train_wanted = True
            self.split.value = "eval"
            self.split_msg.value = hint(HOLDOUT_IS_MEASURED).value
        elif change["old"] == "holdout" and self._train_wanted:
            self._train_wanted = False
            self.split.value = "train"
        self._show_fields()

    def _split_changed(self, change):
        if self.source.value == "holdout" and change["new"] == "train":
            self.split.value = change["old"] if change["old"] != "train" else "eval"
            self._train_wanted = True  # given back when the source changes
            self.split_msg.value = f"<div class='wb-warn'>{esc(HOLDOUT_IS_MEASURED)}</div>"
            return
        if change["new"] != "eval" or self.source.value != "holdout":
            self._train_wanted = False
            self.split_msg.value = ""
        self._show_fields()

    def _show_fields(self, change=None):
        src = self.source.value
        self.upload_hint.value = hint(
            "CSV, TSV, JSON, JSON Lines, Parquet, Arrow/Feather, Excel (.xlsx) or SQLite. It is added as "
            f"{'an' if self.split.value[0] in 'aeiou' else 'a'} <b>{self.split.value}</b> dataset as soon as it "
            "is uploaded, under the Name above if you typed one."
        ).value
        visible = self.fields.get(src, [])
        for w in self.form.children:
            w.layout.display = (
                "" if w in visible or (w is self.limit and src not in ("upload", "holdout")) else "none"
            )
        self.add_btn.layout.display = "none" if src == "upload" else ""
        self.path.placeholder = {
            "hub": "a Hub id like sentence-transformers/stsb, or a local folder",
            "sql": "/path/to/database.sqlite",
            "arrow": "/path/to/file.arrow or a save_to_disk folder",
        }.get(src, f"/path/to/file.{src}")

    def spec_from_form(self) -> tuple[str, DatasetSpec]:
        """(name stem, DatasetSpec) for the form's current values; raises WorkbenchError on missing fields."""
        text = {
            "path": self.path.value,
            "subset": self.hub_subset.value,
            "split": self.hub_split.value,
            "query": self.query.value,
            "sheet": self.sheet.value,
            "limit": self.limit.value,
        }
        return form_spec(self.source.value, self.demo.value, self.of.value, float(self.fraction.value), text)

    def _add(self, button=None):
        stem, spec = self.spec_from_form()
        split = self.split.value
        name = self.ds_name.value.strip() or self.session.unique_name(split, stem)
        if self.session.entry(f"{split}/{name}") is not None:
            raise WorkbenchError(
                f"there is already {'an' if split == 'eval' else 'a'} {split} dataset named '{name}'.",
                fix="type another name, or remove that one first.",
                where="datasets",
            )
        self.session.add_dataset(split, name, spec)
        self.session.selected = f"{split}/{name}"
        self.ds_name.value = self.limit.value = self.sheet.value = ""  # the next one starts afresh
        self.ok()

    def _remove(self, button=None):
        if self.remove_pick.value:
            self.session.remove_dataset(self.remove_pick.value)
            self.ok()

    def _uploaded(self, change):
        files = change["new"]
        if not files:
            return
        self.upload.value = ()  # ready for the next file (the same one again included)
        item, name = files[0], self.ds_name.value.strip()  # a name typed before the file was chosen is kept
        check_dataset_name(name or "upload", "datasets")
        self.session.add_upload(self.split.value, item["name"], upload_content(item), name=name)
        self.ds_name.value = ""

    def _pick(self, change):
        if not self._syncing and change["new"]:
            self.session.selected = change["new"]

    def _demo_chosen(self, change):
        if not self._syncing and change["new"] != self.session.demo_choice:
            self.session.replace_demo(change["new"] == "replace")

    def _sheet_chosen(self, change):
        """Read another sheet of the previewed workbook (its column mapping starts afresh)."""
        entry = self.session.entry(self.preview_pick.value or "")
        if self._syncing or entry is None or not change["new"] or change["new"] == self._sheet_of(entry):
            return
        spec = replace(entry.spec, sheet=change["new"], columns=None, label=None, label_range=None)
        self.session.add_dataset(entry.split, entry.name, spec)
        self.session.selected = entry.key

    def _sheet_of(self, entry) -> str | None:
        names = self._sheets.get(entry.spec.path or "") or [None]
        return entry.spec.sheet or names[0]

    # ---- session -> widgets (may run in the loader thread: trait assignments only) ----

    @one_at_a_time  # it runs in the UI thread and in the loading thread
    def _refresh(self, change=None):
        s = self.session
        self.table.value = datasets_html(s)
        total_loading = len(s.loading)
        self.progress.layout.visibility = "visible" if total_loading else "hidden"
        self.progress.max = max(1, total_loading + 1)
        self.progress.value = 1 if total_loading else 0
        self.progress_text.value = (
            (
                f"<span class='wb-hint'>Loading {total_loading} dataset"
                f"{'s' if total_loading != 1 else ''}…</span>"
            )
            if total_loading
            else ""
        )
        keys = [e.key for e in s.datasets]
        self._syncing = True
        try:
            self.demo_box.layout.display = "" if s.demo_choice else "none"
            self.demo_choice.value = s.demo_choice or "replace"
            for pick in (self.remove_pick, self.preview_pick):
                old = pick.value
                pick.options = keys
                pick.value = old if old in keys else (keys[0] if keys else None)
            if s.selected in keys:  # the dataset shown is the one Remove offers (a failed one included)
                self.preview_pick.value = self.remove_pick.value = s.selected
            names = [e.name for e in s.entries("train")]
            old = self.of.value
            self.of.options = names
            self.of.value = old if old in names else (names[0] if names else None)
        finally:
            self._syncing = False
        self._render_preview()

    def _render_preview(self):
        s = self.session
        key = self.preview_pick.value
        entry = s.entry(key) if key else None
        self._show_sheets(entry)
        if entry is None:
            self.preview.value = ""
            return
        dk = data_key(entry.spec)
        if dk in s.data_errors:
            self.preview.value = (
                f'<div class="wb-error">{esc(s.data_errors[dk])}</div>'
                + hint("Fix it and add it again, or remove it with <b>Remove dataset</b> above.").value
            )
        elif s.dataset(key) is None:
            self.preview.value = hint("Loading…" if dk in s.loading else "Not loaded yet.").value
        else:
            try:
                prof = s.profile(key)
                count = rows_text(s, entry, prof.n_rows)
                self.preview.value = preview_html(
                    s.dataset(key), prof, count=count if "held" in count else ""
                )
            except Exception as exc:  # noqa: BLE001 - never a traceback in the page
                self.preview.value = f'<div class="wb-error">{esc(exc)}</div>'

    def _show_sheets(self, entry) -> None:
        """The sheet picker, for a workbook with more than one sheet."""
        from ... import data

        path = entry.spec.path if entry is not None and entry.spec.source == "excel" else None
        if path and path not in self._sheets:
            try:
                self._sheets[path] = data.excel_sheets(Path(path))
            except WorkbenchError:
                self._sheets[path] = []  # the load error says why, in the preview
        names = self._sheets.get(path or "", [])
        self.sheet_pick.layout.display = "" if len(names) > 1 else "none"
        if len(names) > 1:
            self._syncing = True
            try:
                self.sheet_pick.options = names
                self.sheet_pick.value = self._sheet_of(entry) if self._sheet_of(entry) in names else names[0]
            finally:
                self._syncing = False
