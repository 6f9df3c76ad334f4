"""Step 2, the data: add train / eval / test datasets from any source the engine reads, see them load, and
preview their first rows with the role inferred for each column."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from ...data import DEMO_DATASETS, demo_path
from ...errors import WorkbenchError
from ...session import data_key
from ...spec import DatasetSpec
from ..widgets import Panel, esc, hide_count, hint, html_table, section, short

SOURCES = (
    ("Built-in demo data", "demo"),
    ("Upload a file from your computer", "upload"),
    ("CSV / TSV file (path on the server)", "csv"),
    ("JSON or JSON Lines file", "json"),
    ("Parquet file", "parquet"),
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
UPLOAD_TYPES = ".csv,.tsv,.json,.jsonl,.ndjson,.parquet,.arrow,.feather,.db,.sqlite,.sqlite3"
STYLE = {"description_width": "110px"}


def _wide() -> widgets.Layout:
    return widgets.Layout(width="560px")


def preview_html(ds, profile, n: int = 5) -> str:
    """The first rows as a table whose header names each column's inferred role and type."""
    from ... import data

    rows = data.preview_rows(ds, n)
    header_cells = []
    for col in profile.columns:
        header_cells.append(
            f"{esc(col.name)}<br><small style='font-weight:normal;color:#567'>{esc(col.role)} · "
            f"{esc(col.dtype)}</small>"
        )
    head = "".join(f"<th>{h}</th>" for h in header_cells)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(short(r.get(c.name), 90))}</td>" for c in profile.columns) + "</tr>"
        for r in rows
    )
    return (
        f'<table class="wb-table wb-preview"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"<div class='wb-hint'>{profile.n_rows} rows. Guessed inputs: "
        f"{esc(', '.join(profile.guessed_inputs) or 'none')}; guessed label: "
        f"{esc(profile.guessed_label or 'none')}.</div>"
    )


class DatasetPanel(Panel):
    """Add, remove and preview datasets."""

    name = "dataset"
    title = "Data"

    def __init__(self, session, **kwargs):
        super().__init__(session, **kwargs)
        self._syncing = False
        self._build_dataset_list()
        self._build_source_picker()
        self._build_source_fields()
        self._build_upload()
        self._build_add_form()
        self._build_preview()
        self._bind()
        self.lockable = [self.remove_btn, self.add_btn, self.upload, self.source, self.split]
        self.finish(self._layout())
        self._show_fields()
        self._refresh()

    # ---- building the panel ----

    def _build_dataset_list(self):
        """The datasets added so far, their loading progress, and removing one."""
        self.table = widgets.HTML()
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, description="Loading", bar_style="info", style=STYLE
        )
        self.progress_text = widgets.HTML()
        self.remove_pick = widgets.Dropdown(options=[], description="Remove", style=STYLE)
        self.remove_btn = widgets.Button(description="Remove dataset", button_style="warning")

    def _build_source_picker(self):
        """What the new dataset is for, where it comes from, and its name."""
        self.split = widgets.ToggleButtons(
            options=SPLIT_LABELS,
            value="train",
            description="Use it for",
            style={**STYLE, "button_width": "190px"},
        )
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
            accept=UPLOAD_TYPES,
            multiple=False,
            description="Choose file…",
            button_style="info",
            layout=widgets.Layout(width="200px"),
        )
        self.upload.add_class("wb-upload")
        hide_count(self.upload)  # its label only, never "(0)"
        self.upload_hint = hint(
            "CSV, TSV, JSON, JSON Lines, Parquet, Arrow/Feather or SQLite. It is added as soon "
            "as it is uploaded."
        )

    def _build_add_form(self):
        """The Add button, which fields each source shows, and the form that holds them all."""
        self.add_btn = widgets.Button(description="Add dataset", button_style="primary")
        self.fields = {
            "demo": [self.demo],
            "upload": [self.upload, self.upload_hint],
            "csv": [self.path],
            "json": [self.path],
            "parquet": [self.path],
            "arrow": [self.path],
            "sql": [self.path, self.query],
            "hub": [self.path, self.hub_subset, self.hub_split],
            "holdout": [self.of, self.fraction],
        }
        self.form = widgets.VBox(
            [
                self.demo,
                self.upload,
                self.upload_hint,
                self.path,
                self.hub_subset,
                self.hub_split,
                self.query,
                self.of,
                self.fraction,
                self.limit,
            ]
        )

    def _build_preview(self):
        self.preview_pick = widgets.Dropdown(options=[], description="Preview", style=STYLE)
        self.preview = widgets.HTML()

    def _bind(self):
        """Widgets -> actions, and the session's data traits -> _refresh."""
        self.source.observe(self.guard(self._show_fields), "value")
        self.split.observe(self.guard(self._show_fields), "value")
        self.add_btn.on_click(self.guard(self._add))
        self.remove_btn.on_click(self.guard(self._remove))
        self.upload.observe(self.guard(self._uploaded), "value")
        self.preview_pick.observe(self.guard(self._pick), "value")
        self.session.observe(
            self.guard(self._refresh),
            names=["datasets", "data_version", "loading", "data_errors", "selected"],
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
            section("Add a dataset"),
            self.split,
            self.source,
            self.ds_name,
            self.form,
            self.add_btn,
            section("Preview"),
            self.preview_pick,
            self.preview,
        ]

    # ---- adding / removing ----

    def _show_fields(self, change=None):
        src = self.source.value
        if src == "holdout" and self.split.value == "train":
            self.split.value = "eval"
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
        src = self.source.value
        limit = None
        if self.limit.value.strip():
            try:
                limit = int(self.limit.value.strip())
                assert limit > 0
            except (ValueError, AssertionError):
                raise WorkbenchError(
                    "'Only first' must be a positive whole number of rows.",
                    fix="type e.g. 1000, or leave it empty for all rows.",
                    where="datasets",
                ) from None
        if src == "demo":
            return self.demo.value, DatasetSpec(source="csv", path=demo_path(self.demo.value), limit=limit)
        if src == "holdout":
            if not self.of.value:
                raise WorkbenchError(
                    "there is no train dataset to hold a part out of.",
                    fix="add a train dataset first.",
                    where="datasets",
                )
            return "heldout", DatasetSpec(
                source="holdout", of=self.of.value, fraction=float(self.fraction.value)
            )
        path = self.path.value.strip()
        if not path:
            raise WorkbenchError(
                "no path was given.", fix="type the file's path (or a Hub id) in 'Path'.", where="datasets"
            )
        if src == "hub":
            return (
                path.rstrip("/").split("/")[-1],
                DatasetSpec(
                    source="hub",
                    path=path,
                    subset=self.hub_subset.value.strip() or None,
                    split=self.hub_split.value.strip() or None,
                    limit=limit,
                ),
            )
        if src == "sql":
            if not self.query.value.strip():
                raise WorkbenchError(
                    "a SQLite source needs a query.",
                    fix="type e.g. SELECT a, b, score FROM pairs.",
                    where="datasets",
                )
            return Path(path).stem, DatasetSpec(
                source="sql", path=path, query=self.query.value.strip(), limit=limit
            )
        return Path(path).stem, DatasetSpec(source=src, path=path, limit=limit)

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
        self.ds_name.value = self.limit.value = ""  # the next dataset starts with all its rows
        self.ok()

    def _remove(self, button=None):
        if self.remove_pick.value:
            self.session.remove_dataset(self.remove_pick.value)
            self.ok()

    def _uploaded(self, change):
        files = change["new"]
        if not files:
            return
        item = files[0]
        self.session.add_upload(self.split.value, item["name"], bytes(item["content"]))
        self.upload.value = ()  # ready for the next file (the same one again included)

    def _pick(self, change):
        if not self._syncing and change["new"]:
            self.session.selected = change["new"]

    # ---- session -> widgets (may run in the loader thread: trait assignments only) ----

    def _refresh(self, change=None):
        s = self.session
        rows, classes = [], []
        for e in s.datasets:
            key = data_key(e.spec)
            prof = s.profiles.get(key)
            if key in s.loading:
                state = "loading…"
            elif key in s.data_errors:
                state = "error: " + s.data_errors[key]
            elif prof is not None:
                state = "ready"
            else:
                state = "not loaded"
            rows.append((e.split, e.name, describe_source(e.spec), prof.n_rows if prof else "", state))
            classes.append("wb-nofit" if key in s.data_errors else "")
        self.table.value = (
            html_table(("split", "name", "source", "rows", "state"), rows, "wb-datasets", classes)
            if rows
            else hint("No datasets yet: add one below.").value
        )
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
            for pick in (self.remove_pick, self.preview_pick):
                old = pick.value
                pick.options = keys
                pick.value = old if old in keys else (keys[0] if keys else None)
            if s.selected in keys:
                self.preview_pick.value = s.selected
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
        if entry is None:
            self.preview.value = ""
            return
        dk = data_key(entry.spec)
        if dk in s.data_errors:
            self.preview.value = f'<div class="wb-error">{esc(s.data_errors[dk])}</div>'
        elif s.dataset(key) is None:
            self.preview.value = hint("Loading…" if dk in s.loading else "Not loaded yet.").value
        else:
            try:
                self.preview.value = preview_html(s.dataset(key), s.profile(key))
            except Exception as exc:  # noqa: BLE001 - never a traceback in the page
                self.preview.value = f'<div class="wb-error">{esc(exc)}</div>'


def describe_source(spec: DatasetSpec) -> str:
    if spec.source == "holdout":
        return f"{spec.fraction:g} held out of train/{spec.of}"
    if spec.source == "dict":
        return "in-memory data"
    if spec.source == "hub":
        return (
            "Hub: "
            + spec.path
            + (f" ({spec.subset})" if spec.subset else "")
            + (f" [{spec.split}]" if spec.split else "")
        )
    path = spec.path or ""
    for name, fname in DEMO_DATASETS.items():
        if path == demo_path(name):
            return f"demo: {fname}"
    text = f"{spec.source}: {Path(path).name}"
    return text + (f" (first {spec.limit})" if spec.limit else "")
