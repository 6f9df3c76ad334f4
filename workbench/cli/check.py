"""``workbench check DATA_FILE``: column roles, the column mapping, a verdict per loss and the fitting evaluators.

The report is built once as a mapping (printed as is with ``--json``) and rendered as text otherwise; a mapping
the run could not use prints the report, then ``error:``/``fix:`` lines, and exits with code 2.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import WorkbenchError
from .common import EXIT_BAD_INPUT, EXIT_OK, SOURCES, report_error


def _source_for(path: str) -> str:
    from ..data import UPLOAD_SOURCES

    p = Path(path).expanduser()
    if p.is_dir():
        is_disk = (
            (p / "state.json").is_file() or (p / "dataset_dict.json").is_file() or any(p.glob("*.arrow"))
        )
        if is_disk:
            return "arrow"
        kinds = sorted(
            {UPLOAD_SOURCES[f.suffix.lower()] for f in p.rglob("*") if f.suffix.lower() in UPLOAD_SOURCES}
        )
        if (
            len(kinds) != 1
        ):  # one kind of data file: a folder laid out like a Hub dataset (load_dataset reads it)
            what = f"files of several kinds ({', '.join(kinds)})" if kinds else "no data files"
            raise WorkbenchError(
                f"'{path}' is a folder with {what}, not a data file.",
                fix="give one of its files, e.g. workbench check FOLDER/train.csv.",
            )
        return "hub"
    suffix = p.suffix.lower()
    if suffix in UPLOAD_SOURCES:
        return UPLOAD_SOURCES[suffix]
    if not p.exists():
        raise WorkbenchError(
            f"file '{path}' does not exist.", fix="check the path (for a Hub dataset id, add --source hub)."
        )
    raise WorkbenchError(
        f"cannot tell how to read '{path}' from its extension '{suffix or '(none)'}'.",
        fix=f"rename it, or give --source (one of: {', '.join(SOURCES)}).",
    )


SOURCE_WORDS = {
    "hub": "a Hub dataset",
    "arrow": "a save_to_disk folder",
    "excel": "an Excel workbook",
    "sql": "a SQLite file",
    "csv": "a CSV file",
    "json": "a JSON file",
    "parquet": "a Parquet file",
}


def _split_list(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())


def _parse_range(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.replace(":", ",").split(",") if p.strip()]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        low = high = None
    if low is None or not low < high:
        raise WorkbenchError(
            f"--label-range must be LOW,HIGH with LOW < HIGH, got '{text}'.",
            fix="use e.g. --label-range 0,5 for STS scores.",
        )
    return (low, high)


def _dataset_spec(args):
    """(source, path, DatasetSpec) of the file or Hub id to check; a SQLite file reads its first table."""
    from .. import data
    from ..spec import DatasetSpec

    source = args.source or _source_for(args.data_file)
    path = (
        args.data_file
        if source == "hub" and not Path(args.data_file).exists()
        else str(Path(args.data_file).expanduser().resolve())
    )
    query = args.query
    if source == "sql" and not query:
        if not Path(path).is_file():
            raise WorkbenchError(f"file '{path}' does not exist.", fix="check the path.")
        query = f'SELECT * FROM "{data.first_table(Path(path))}"'
    for flag, value, takes in (
        ("--split", args.split, ("hub", "arrow")),
        ("--subset", args.subset, ("hub",)),
        ("--sheet", getattr(args, "sheet", None), ("excel",)),
        ("--query", args.query, ("sql",)),
    ):
        if value is not None and source not in takes:
            raise WorkbenchError(
                f"{flag} applies only to {' or '.join(SOURCE_WORDS[t] for t in takes)}, and '{args.data_file}' is "
                f"read as {SOURCE_WORDS.get(source, source)}.",
                fix=f"leave {flag} out"
                + ("; for a sheet of a workbook use --sheet." if flag == "--subset" else "."),
            )
    spec = DatasetSpec(
        source=source,
        path=path,
        subset=args.subset,
        split=args.split,
        query=query,
        sheet=getattr(args, "sheet", None),
    )
    return source, path, spec


def _mapping(args, profile):
    """The inputs and label as the run would map them: as given, else guessed (data.dataset_mapping)."""
    from .. import data
    from ..spec import DatasetSpec

    label = None if args.label is None else args.label.strip()
    if args.columns is not None and not _split_list(args.columns):
        raise WorkbenchError(
            f"--columns names no column (got '{args.columns}').",
            fix=f"give e.g. --columns {','.join(profile.names[:2])}, or leave --columns out to have them guessed.",
        )
    mapped = data.dataset_mapping(
        DatasetSpec(source="csv", columns=_split_list(args.columns), label=label), profile
    )
    if args.columns is not None and not mapped.inputs:
        raise WorkbenchError(
            "--columns names no column.", fix=f"give e.g. --columns {','.join(profile.names[:2])}."
        )
    return mapped


def cmd_check(args) -> int:
    """``workbench check DATA_FILE``: column roles, the mapping, a verdict per loss, fitting evaluators; given a
    run's config instead, the whole run checked as ``train`` would start it (`cli.check_config`)."""
    from .. import data, rules
    from .check_config import check_config, is_config_file

    if is_config_file(args.data_file):
        return check_config(args)

    source, path, spec = _dataset_spec(args)
    label_range = _parse_range(args.label_range)
    ds = data.load_raw(spec)
    profile = data.profile(ds)
    mapped = _mapping(args, profile)
    inputs, label = mapped.inputs, mapped.label
    derive = _derive(getattr(args, "derive", None))
    shape = data.shape_of(profile, inputs, label, label_range, ds=ds, derive=derive)
    verdicts = rules.mapped_verdicts(shape, args.model_type, mapped.label_guessed)  # a guessed label binds
    recommended = rules.recommend_with_fix(shape, args.model_type)
    evaluators = rules.suggest_evaluators(shape, args.model_type)
    problem = None
    if inputs:
        try:
            prepared = data.prepare(ds, inputs, label, label_range, drop_empty=args.drop_empty)
            if derive is not None:
                data.derive_inputs(prepared.select(range(min(8, prepared.num_rows))), derive)
        except WorkbenchError as err:
            problem = err
    else:
        problem = WorkbenchError(
            "no text column was found to use as an input.", fix="name the input columns with --columns a,b."
        )
    report = _check_report(
        args,
        source,
        path,
        ds,
        profile,
        mapped,
        label_range,
        verdicts,
        recommended,
        evaluators,
        problem,
    )
    if getattr(args, "asymmetric", None):
        report["asymmetric"], routes_problem = _routes(args, shape, recommended)
        problem = problem or routes_problem
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(_check_text(report, args))
    if problem is not None:
        report_error(problem.message, problem.fix, problem.where)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _routes(args, shape, recommended) -> tuple[dict, WorkbenchError | None]:
    """``--asymmetric``: the query/document role of each input for the recommended loss (the run's
    ``router_mapping``), or why separate sides do not fit this data."""
    from .. import rules
    from ..spec import check_asymmetric

    out: dict = {"kind": args.asymmetric, "router_mapping": None, "problem": None}
    try:
        check_asymmetric(args.asymmetric, args.model_type)
        if recommended is None:
            raise WorkbenchError(
                "no loss fits this mapping, so no input has a query or document role yet.",
                fix="fix the mapping first (see the losses above).",
                where="model.asymmetric",
            )
        loss = recommended[0]
        found = rules.verdict(loss, shape)
        out["router_mapping"] = rules.column_routes(loss, found.format_ref, shape.inputs, "this file")
    except WorkbenchError as exc:
        out["problem"] = {"message": exc.message, "fix": exc.fix}
        return out, exc
    return out, None


def _derive(name: str | None) -> str | None:
    """``--derive``: a `catalog.DERIVATIONS` name, or None."""
    from .. import catalog as C

    if name is None or name == "":
        return None
    if name not in C.DERIVE_NAMES:
        raise WorkbenchError(
            f"--derive must be one of: {', '.join(C.DERIVE_NAMES)}; got '{name}'.",
            fix="use e.g. --columns text,text --derive tsdae for TSDAE on a plain text column.",
        )
    return name


def _fix_dict(fix) -> dict:
    return {
        "derive": fix.derive,
        "kind": fix.kind,
        "text": fix.text,
        "inputs": list(fix.inputs) if fix.inputs is not None else None,
        "label": fix.label,
        "label_range": list(fix.label_range) if fix.label_range else None,
        "loss": fix.loss,
    }


def _check_report(
    args, source, path, ds, profile, mapped, label_range, verdicts, recommended, evaluators, problem
) -> dict:
    inputs, label, label_guessed = mapped.inputs, mapped.label, mapped.label_guessed
    mapped_derive = _derive(getattr(args, "derive", None))
    return {
        "file": path,
        "source": source,
        "rows": ds.num_rows,
        "model_type": args.model_type,
        "columns": list(profile.names),
        "roles": {c.name: c.role for c in profile.columns},
        "column_details": [
            {
                "name": c.name,
                "role": c.role,
                "dtype": c.dtype,
                "missing": c.n_missing,
                "distinct": c.n_unique,
                "min": c.min,
                "max": c.max,
            }
            for c in profile.columns
        ],
        "inputs": list(inputs),
        "inputs_guessed": args.columns is None,
        "label": label,
        "label_guessed": label_guessed,
        "label_range": list(label_range) if label_range else None,
        "derive": mapped_derive,
        "losses": [
            {
                "name": v.name,
                "compatible": v.compatible,
                "reason": v.reason,
                "fixes": [_fix_dict(f) for f in v.fixes],
                "notes": list(v.notes),
            }
            for v in verdicts
        ],
        "recommended": None
        if recommended is None
        else {"name": recommended[0].name, "fix": _fix_dict(recommended[1]) if recommended[1] else None},
        "evaluators": [e.name for e in evaluators],
        "problem": None if problem is None else {"message": problem.message, "fix": problem.fix},
    }


def _flags(fix: dict) -> str:
    flags = []
    if fix["inputs"] is not None:
        flags.append(f"--columns {','.join(fix['inputs'])}")
    if fix["label"] is not None:
        flags.append(f"--label {fix['label']}" if fix["label"] else "--label ''")
    if fix.get("derive"):
        flags.append(f"--derive {fix['derive']}")
    if fix["label_range"]:
        flags.append(f"--label-range {fix['label_range'][0]:g},{fix['label_range'][1]:g}")
    return " ".join(flags)


def _check_text(report: dict, args) -> str:
    lines = [
        f"{report['file']}: {report['rows']} rows, {len(report['columns'])} columns (read as {report['source']})",
        "",
        "columns:",
    ]
    width = max(len(c) for c in report["columns"])
    for c in report["column_details"]:
        extra = f"  {c['min']:g}..{c['max']:g}" if c["min"] is not None and c["max"] is not None else ""
        missing = f"  {c['missing']} missing/empty" if c["missing"] else ""
        lines.append(f"  {c['name']:<{width}}  {c['role']:<11} {c['dtype']}{extra}{missing}")
    guessed = " (guessed)" if report["inputs_guessed"] else ""
    label = report["label"] or "none"
    lines += [
        "",
        f"inputs: {', '.join(report['inputs']) or 'none'}{guessed}",
        f"label:  {label}{' (guessed)' if report['label_guessed'] and report['label'] else ''}"
        + (
            f", rescaled from {report['label_range'][0]:g}-{report['label_range'][1]:g} to 0-1"
            if report["label_range"]
            else ""
        ),
        "",
        f"losses for a {report['model_type']}:",
    ]
    name_width = max(len(v["name"]) for v in report["losses"])
    # Fitting losses first, then the ones a fix makes fit; the full "Accepted: ..." lists are in --json.
    for v in sorted(report["losses"], key=lambda v: (not v["compatible"], not v["fixes"])):
        reason = v["reason"].split(". Accepted: ")[0]
        lines.append(f"  {'fits' if v['compatible'] else 'no  '}  {v['name']:<{name_width}}  {reason}")
        for fix in v["fixes"] if not v["compatible"] else ():
            flags = _flags(fix)
            loss = f"; loss {fix['loss']}" if fix["loss"] and fix["kind"] != "use_loss" else ""
            lines.append(
                f"  {'':4}  {'':<{name_width}}  fix: {fix['text']}" + (f"  ({flags}{loss})" if flags else "")
            )
    rec = report["recommended"]
    if rec:
        how = f", after the fix: {rec['fix']['text']} ({_flags(rec['fix'])})" if rec["fix"] else ""
        lines += ["", f"recommended loss: {rec['name']}{how}"]
    else:
        lines += ["", "recommended loss: none fits this mapping; see the reasons above."]
    lines.append(f"evaluators that fit: {', '.join(report['evaluators']) or 'none'}")
    routes = report.get("asymmetric")
    if routes and routes["router_mapping"]:
        shown = ", ".join(f"'{c}' -> {r}" for c, r in routes["router_mapping"].items())
        lines.append(f"query/document sides ({routes['kind']}): {shown}")
    elif routes:
        lines.append(f"query/document sides ({routes['kind']}): do not fit ({routes['problem']['message']})")
    return "\n".join(lines)
