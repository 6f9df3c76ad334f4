"""The exported script's ``load_datasets()``: code that loads every dataset as `workbench.data.load_raw` did and
maps it as `workbench.data.prepare` did.

The mapping is written from the Plan's record of each dataset (`workbench.engine.DatasetPrep`: inputs, label cast,
category ids, rescaling, final column names), so the script does what the run did rather than deciding again.
"""

from __future__ import annotations

from pathlib import Path

from .. import catalog as C
from .. import data as D
from .. import engine as B
from ..errors import WorkbenchError
from .writer import Writer, pretty


def load_section(spec, plan, w: Writer) -> str:
    """``def load_datasets(): ...`` returning the prepared train, eval and test datasets by name."""
    heldout = {
        f"{split}/{name}": ds_spec
        for split in ("eval", "test")
        for name, ds_spec in getattr(spec, split).items()
        if ds_spec.source == "holdout"
    }
    out = [
        "def load_datasets():",
        '    """Load every dataset and map its columns as the workbench did: the inputs in the order the loss',
        '    expects, then the label as "label" (the trainer takes inputs by position); other columns dropped."""',
        "    raw = {}",
    ]
    for key in [f"train/{n}" for n in spec.train] + [
        f"{s}/{n}" for s in ("eval", "test") for n in getattr(spec, s)
    ]:
        split, _, name = key.partition("/")
        ds_spec = getattr(spec, split)[name]
        if key in heldout:
            continue
        out.append(f"    # {key}: {_describe_source(ds_spec)}")
        out += ["    " + line for line in _raw_code(ds_spec, plan.preps[key], w)]
        if ds_spec.limit:
            out.append(
                f"    ds = ds.select(range(min({ds_spec.limit}, ds.num_rows)))  # limit: the first rows only"
            )
        out.append(f"    raw[{key!r}] = ds")
    for key, ds_spec in heldout.items():
        w.plain("math")
        source = f"train/{ds_spec.of}"
        out += [
            f"    # {key}: {float(ds_spec.fraction):g} of {source} held out (the same rows: same size and seed).",
            f"    parts = raw[{source!r}].train_test_split("
            f"test_size=math.ceil({float(ds_spec.fraction)!r} * raw[{source!r}].num_rows), seed={ds_spec.seed})",
            f'    raw[{source!r}], raw[{key!r}] = parts["train"], parts["test"]',
        ]
        if ds_spec.limit:
            out.append(
                f"    raw[{key!r}] = raw[{key!r}].select(range(min({ds_spec.limit}, raw[{key!r}].num_rows)))"
            )
    out.append("")
    out.append('    prepared = {"train": {}, "eval": {}, "test": {}}')
    for key in (
        [f"train/{n}" for n in plan.train]
        + [f"eval/{n}" for n in plan.eval]
        + [f"test/{n}" for n in plan.test]
    ):
        out += ["    " + line for line in _mapping_code(key, plan.preps[key], w)]
    out.append('    return prepared["train"], prepared["eval"], prepared["test"]')
    out.append("")
    return "\n".join(out) + "\n"


def _describe_source(ds_spec) -> str:
    where = ds_spec.path or ""
    extra = "".join(f", {k} {getattr(ds_spec, k)!r}" for k in ("subset", "split") if getattr(ds_spec, k))
    return {
        "dict": "inline data from the config",
        "hub": f"Hub dataset {where!r}{extra}",
        "sql": f"SQL query on {where!r}",
    }.get(ds_spec.source, f"{ds_spec.source} file {where!r}")


def _raw_code(ds_spec, prep: B.DatasetPrep, w: Writer) -> list[str]:
    """Code that loads one dataset the way workbench.data.load_raw does, into ``ds``."""
    src = ds_spec.source
    path = str(ds_spec.path) if ds_spec.path else None
    if src == "dict":
        w.need("datasets", "Dataset")
        return [f"data = {pretty(ds_spec.data, 11)}", "ds = Dataset.from_dict(data)"]
    if src == "hub":
        w.need("datasets", "load_dataset")
        split = ds_spec.split or prep.loaded_split or "train"
        name = f", name={ds_spec.subset!r}" if ds_spec.subset else ""
        return [f"ds = load_dataset({path!r}{name}, split={split!r})"]
    if src == "csv":
        w.need("datasets", "load_dataset")
        # The loader's own header sniffing (data re-exports it for this): a tab / ';' / '|' header needs `sep`.
        options = D.csv_options(Path(path))
        sep = options["sep"]
        extra = "".join(f", {k}={v!r}" for k, v in options.items() if (k, v) != ("sep", ","))
        comment = ["# The header is separated by " + repr(sep) + ", not commas."] if sep != "," else []
        if "decimal" in options:
            comment.append("# Numbers are written with a decimal comma (4,5 = 4.5).")
        return comment + [f'ds = load_dataset("csv", data_files={path!r}, split="train"{extra})']
    if src == "parquet":
        w.need("datasets", "load_dataset")
        return [f'ds = load_dataset("parquet", data_files={path!r}, split="train")']
    if src == "excel":
        w.need("datasets", "Dataset")
        w.plain("pandas", "pd")
        sheet = ds_spec.sheet if ds_spec.sheet is not None else 0
        return [
            f'frame = pd.read_excel({path!r}, sheet_name={sheet!r}, engine="openpyxl")  # needs openpyxl',
            "# Blank rows and unnamed blank columns are left out, as the workbench does.",
            'frame = frame.dropna(how="all")',
            'blank = [c for c in frame.columns if str(c).startswith("Unnamed:") and frame[c].isna().all()]',
            "frame = frame.drop(columns=blank).reset_index(drop=True)",
            "ds = Dataset.from_pandas(frame.rename(columns=str), preserve_index=False)",
        ]
    if src == "json":
        return _json_code(Path(path), w)
    if src == "arrow":
        return _arrow_code(ds_spec, Path(path), w)
    if src == "sql":
        w.need("datasets", "Dataset")
        w.plain("sqlite3")
        w.plain("pandas", "pd")
        return [
            "# Read-only SQLite connection; the query is the config's.",
            f'conn = sqlite3.connect(Path({path!r}).resolve().as_uri() + "?mode=ro", uri=True)',
            "try:",
            f"    frame = pd.read_sql_query({ds_spec.query!r}, conn)",
            "finally:",
            "    conn.close()",
            "ds = Dataset.from_pandas(frame.rename(columns=str), preserve_index=False)",
        ]
    raise WorkbenchError(f"cannot export a '{src}' dataset.", where="datasets")


def _json_code(path: Path, w: Writer) -> list[str]:
    import datasets

    w.need("datasets", "load_dataset")
    plain = f'ds = load_dataset("json", data_files={str(path)!r}, split="train")'
    with D.quiet_progress():
        ds = datasets.load_dataset("json", data_files=str(path), split="train")
    if ds.num_rows == 1:
        types = list(ds.features.values())
        if (
            len(types) == 1
            and isinstance(types[0], (datasets.List, datasets.LargeList))
            and isinstance(types[0].feature, dict)
        ):
            return [
                "# The records sit in a list under one key.",
                f'ds = load_dataset("json", data_files={str(path)!r}, split="train", '
                f"field={ds.column_names[0]!r})",
            ]
        row = ds[0]
        if (
            row
            and all(isinstance(v, list) for v in row.values())
            and len({len(v) for v in row.values()}) == 1
        ):
            w.need("datasets", "Dataset")
            w.plain("json")
            return [
                "# A column-oriented file: {column: [values, ...]}.",
                f'with open({str(path)!r}, encoding="utf-8") as fh:',
                "    ds = Dataset.from_dict(json.load(fh))",
            ]
    return [plain]


def _arrow_code(ds_spec, path: Path, w: Writer) -> list[str]:
    if path.is_dir() and ((path / "state.json").is_file() or (path / "dataset_dict.json").is_file()):
        w.need("datasets", "load_from_disk")
        lines = ["# A folder written by Dataset.save_to_disk.", f"ds = load_from_disk({str(path)!r})"]
        if (path / "dataset_dict.json").is_file():
            import json

            names = json.loads((path / "dataset_dict.json").read_text()).get("splits", [])
            split = ds_spec.split or ("train" if "train" in names or not names else names[0])
            lines.append(f"ds = ds[{split!r}]")
        return lines
    w.need("datasets", "load_dataset")
    if path.is_dir():
        files = sorted(str(p) for p in path.glob("*.arrow"))
        return [f"files = {pretty(files, 12)}", 'ds = load_dataset("arrow", data_files=files, split="train")']
    return [
        "# The arrow builder reads Arrow stream files and Feather (Arrow IPC) files.",
        f'ds = load_dataset("arrow", data_files={str(path)!r}, split="train")',
    ]


def _mapping_code(key: str, prep: B.DatasetPrep, w: Writer) -> list[str]:
    """Code that turns ``raw[key]`` into the prepared dataset: the steps `data.prepare` took, as the Plan records."""
    split, _, name = key.partition("/")
    inputs, label = list(prep.inputs), prep.label.column if prep.label else None
    used = list(dict.fromkeys(inputs + ([label] if label else [])))
    what = f"inputs {', '.join(inputs)}" + (f"; label '{label}'" if label else "; no label")
    lines = [f"# {key}: {what}.", f"ds = raw[{key!r}].select_columns({used!r})"]
    if prep.drop_empty:
        w.helper(EMPTY_HELPER)
        lines.append(
            "# drop_empty: rows with an empty input or label are left out (null, NaN or blank text)."
        )
        lines.append(f"ds = ds.filter(lambda row: not any(is_empty(row[c]) for c in {used!r}))")
    if prep.label:
        lines += _label_code(prep.label, w)
    final = list(prep.columns)[: len(inputs)]
    firsts: dict[str, str] = {}
    for col, new in zip(inputs, final, strict=True):
        firsts.setdefault(col, new)
    copies = [(col, new) for col, new in zip(inputs, final, strict=True) if firsts[col] != new]
    if copies:
        pairs = ", ".join(f"{new!r}: batch[{col!r}]" for col, new in copies)
        lines.append("# A column used twice as an input is copied (the trainer takes inputs by position).")
        lines.append(f"ds = ds.map(lambda batch: {{{pairs}}}, batched=True)")
    renames = {col: new for col, new in firsts.items() if col != new}
    if label and label != "label":
        renames[label] = "label"
    if renames:
        if any(col != label for col in renames):
            lines.append(
                "# Inputs named like a label column (label, score, ...) are renamed so they stay inputs."
            )
        lines.append(f"ds = ds.rename_columns({renames!r})")
    if prep.derive is not None:  # the catalog entry the run applied, as its code
        helpers, derive_lines = C.derivation(prep.derive).code(prep.seed)
        for helper in helpers:
            w.helper(helper)
        lines.append(f"ds = ds.select_columns({list(prep.columns)!r})")
        lines += derive_lines
    lines.append(f"prepared[{split!r}][{name!r}] = ds.select_columns({list(prep.columns)!r})")
    return lines


EMPTY_HELPER = '''def is_empty(value):
    """What the workbench counts as an empty cell: null, NaN or blank text."""
    return value is None or value != value or (isinstance(value, str) and not value.strip())
'''


def _label_code(lab: B.LabelPrep, w: Writer) -> list[str]:
    """The label's cast and rescaling, applied to ``ds`` in place (nothing when the values are used as they are)."""
    label, lines, convert = lab.column, [], None
    if lab.cast is not None:  # the code the cast's catalog entry writes: the same cast the run recorded
        lines, convert = C.label_cast(lab.cast).code(label, lab.category_map, pretty)
    if lab.label_range is not None:  # the rescale the run recorded, as the catalog writes it
        note, convert = C.LabelScale(*(float(v) for v in lab.label_range)).code(label, convert)
        lines.append(note)
    if convert:
        # The type is given: `map` would otherwise cast the new values back to the column's old type where Arrow
        # allows it (ids to text in a large_string column, 0/1 to bool).
        w.need("datasets", "Features", "Value")
        lines.append(f"features = Features({{**ds.features, {label!r}: Value({lab.dtype!r})}})")
        lines.append(
            f"ds = ds.map(lambda batch: {{{label!r}: [{convert} for v in batch[{label!r}]]}}, batched=True, "
            "features=features)"
        )
    return lines
