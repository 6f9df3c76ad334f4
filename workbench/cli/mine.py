"""``workbench mine DATA --columns QUERY,POSITIVE --out FILE``: add hard negatives to (query, positive) pairs with
``sentence_transformers.util.mine_hard_negatives`` and write the mined rows to a new file (the data file is never
changed). Prints what it did: queries with negatives, skipped, the positive vs negative scores."""

from __future__ import annotations

import sys
from pathlib import Path

from ..data.confine import confined
from ..errors import WorkbenchError
from .common import EXIT_OK

OUT_TYPES = (".csv", ".jsonl", ".parquet")


def _out_path(text: str, output_format: str) -> Path:
    out = confined(text, "the output file", where="--out")
    if out.suffix.lower() not in OUT_TYPES:
        raise WorkbenchError(
            f"cannot write '{out.name}': the output must be a {', '.join(OUT_TYPES)} file.",
            fix="e.g. --out mined.jsonl.",
            where="--out",
        )
    if out.suffix.lower() == ".csv" and output_format == "labeled-list":
        raise WorkbenchError(
            "labeled lists hold a list of documents per row, which a CSV file cannot.",
            fix="write .jsonl or .parquet.",
            where="--out",
        )
    if out.is_dir():
        raise WorkbenchError(
            f"'{out}' is a folder.", fix="give a file name, e.g. --out mined.jsonl.", where="--out"
        )
    return out


def _read(path: str, where: str):
    """A data file's rows (any file type the workbench reads)."""
    from .. import data

    spec = data.file_spec(Path(path).expanduser(), f"{where} file", where=where)
    return data.load_raw(spec, where=where)


def _corpus(args) -> list[str] | None:
    if not args.corpus:
        if args.corpus_column:
            raise WorkbenchError("--corpus-column needs --corpus FILE.", fix="add --corpus FILE.")
        return None
    rows = _read(args.corpus, "--corpus")
    column = args.corpus_column or rows.column_names[0]
    if column not in rows.column_names:
        raise WorkbenchError(
            f"the corpus has no column '{column}'.",
            fix=f"use one of: {', '.join(rows.column_names)}.",
            where="--corpus-column",
        )
    return [str(t) for t in rows[column] if t is not None and str(t).strip()]


def _histogram(pos: list[float], neg: list[float], bins: int = 10, width: int = 30) -> str:
    """Positive vs negative scores, as text bars."""
    values = pos + neg
    if not values:
        return ""
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins or 1.0
    count = lambda xs, i: sum(1 for x in xs if min(bins - 1, int((x - lo) / step)) == i)  # noqa: E731
    top = max(max(count(pos, i), count(neg, i)) for i in range(bins)) or 1
    lines = ["score            positives                       negatives"]
    for i in range(bins):
        p, n = count(pos, i), count(neg, i)
        lines.append(
            f"{lo + i * step:5.2f}-{lo + (i + 1) * step:5.2f}  "
            f"{'#' * round(p / top * width):<{width}} {p:>4}  {'#' * round(n / top * width):<{width}} {n:>4}"
        )
    return "\n".join(lines)


def cmd_mine(args) -> int:
    """``workbench mine``: mine, write the rows, print what it did."""
    from .. import rules
    from ..engine import build_model, mine
    from ..spec import ModelSpec
    from .check import _split_list

    columns = _split_list(args.columns) or ()
    if len(columns) != 2:
        raise WorkbenchError(
            f"--columns needs the query and the positive column, got {args.columns!r}.",
            fix="e.g. --columns question,answer.",
            where="--columns",
        )
    output_format = args.format or rules.mining_format(None, num_negatives=args.negatives)
    out = _out_path(args.out, output_format)
    ds = _read(args.data_file, "data")
    corpus = _corpus(args)
    model = build_model(ModelSpec(name_or_path=args.model or "default"))
    scorer = None
    if getattr(args, "cross_encoder", None):
        from ..catalog import CROSS

        scorer = build_model(ModelSpec(type=CROSS, name_or_path=args.cross_encoder))
    if getattr(args, "faiss", False):
        import importlib.util

        if importlib.util.find_spec("faiss") is None:
            raise WorkbenchError(
                "--faiss needs the faiss library, which is not installed.",
                fix="pip install faiss-cpu, or leave out --faiss.",
                where="--faiss",
            )
    overrides = {k: getattr(args, k) for k in ("range_min", "range_max", "relative_margin", "max_score")}
    print(f"mining with {args.model or 'the packaged all-MiniLM-L6-v2'} ...", file=sys.stderr)
    result = mine(
        ds,
        model,
        columns[0],
        columns[1],
        corpus=corpus,
        preset=args.preset,
        output_format=output_format,
        num_negatives=args.negatives,
        cross_encoder=scorer,
        use_faiss=getattr(args, "faiss", False),
        **overrides,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        result.dataset.to_csv(str(out), index=False)
    elif suffix == ".jsonl":
        result.dataset.to_json(str(out), lines=True, force_ascii=False)
    else:
        result.dataset.to_parquet(str(out))
    print(result.summary())
    print(_histogram(result.positive_scores, result.negative_scores))
    print(f"wrote {out} (the data file is unchanged)")
    return EXIT_OK
