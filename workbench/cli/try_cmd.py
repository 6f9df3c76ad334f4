"""``workbench try RUN_DIR --corpus FILE [--column NAME] --query TEXT [--k 10] [--json]``: the run's base model and
its trained model side by side on a corpus, as top-k lists with each text's score, rank and rank change.

The run folder and the corpus are checked before any model loads (bad input exits with code 2 at once); the
corpus embeddings are cached in the run folder, so the next query on the same corpus only encodes the query.
"""

from __future__ import annotations

import json
import sys

from ..errors import WorkbenchError
from .common import EXIT_OK

_TEXT_WIDTH = 48


def add_parser(sub) -> None:
    """The ``try`` command's arguments (registered by :mod:`.main`)."""
    p = sub.add_parser("try", help="search a corpus with a run's base and trained models, side by side")
    p.add_argument("run_dir", help="the run's folder (as `workbench runs` lists it); its model is in final/")
    p.add_argument(
        "--corpus", required=True, help="a csv/tsv, json/jsonl, parquet, arrow, excel or SQLite file"
    )
    p.add_argument("--column", help="the column of texts to search (default: every text column)")
    p.add_argument("--query", required=True, help="the text to search for")
    p.add_argument("--k", type=int, default=10, help="how many texts to show per model (default: 10)")
    p.add_argument("--json", action="store_true", help='print {"query", "base": [...], "trained": [...]}')
    p.set_defaults(func=cmd_try)


def change_mark(change: int) -> str:
    """A rank change as an arrow: ``▲3`` (the trained model ranks it 3 places higher), ``▼2``, or ``=``."""
    return f"▲{change}" if change > 0 else f"▼{-change}" if change < 0 else "="


def _cut(text: str, width: int = _TEXT_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _progress(role: str, done: int, total: int) -> None:
    if done == 0:
        print(
            f"encoding the corpus with the {role} model ({total} texts; cached for the next query)",
            file=sys.stderr,
        )


def render(result) -> str:
    """The comparison as two columns of text: base on the left, trained (with rank changes) on the right."""
    left = [f"{h.rank:>3}. {h.score:8.4f}  {_cut(h.text)}" for h in result.base]
    right = [
        f"{h.rank:>3}. {h.score:8.4f} {change_mark(h.change):>4}  {_cut(h.text)}" for h in result.trained
    ]
    width = max([len("base model"), *map(len, left)])
    lines = [f"query: {result.query}", f"{'base model'.ljust(width)}  |  trained model (▲ = ranked higher)"]
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        lines.append(f"{a.ljust(width)}  |  {b}".rstrip())
    for role, tokens in result.tokens.items():
        lines.append(f"{role} query tokens: " + ", ".join(f"{t} {w:.2f}" for t, w in tokens))
    if result.note:
        lines.append(result.note)
    return "\n".join(lines)


def cmd_try(args) -> int:
    """``workbench try``: base vs trained top-k for one query."""
    from ..engine import Playground, file_corpus

    if args.k < 1:
        raise WorkbenchError(f"--k must be at least 1, got {args.k}.", fix="use e.g. --k 10.", where="k")
    if not args.query.strip():
        raise WorkbenchError(
            "--query is empty.", fix='type the text to search for, e.g. --query "refund policy".'
        )
    playground = Playground(
        args.run_dir
    )  # a folder that is not a run, or has no model: exit 2 before loading
    texts, columns = file_corpus(args.corpus, args.column)
    if not args.json:
        print(f"corpus: {len(texts)} texts from {', '.join(columns)}", file=sys.stderr)
    result = playground.search(args.query, texts, k=args.k, progress=None if args.json else _progress)
    if args.json:
        data = result.to_dict()
        keep = ("text", "score", "rank", "change")
        out = {
            "query": result.query,
            "base": [{k: h[k] for k in keep} for h in data["base"]],
            "trained": [{k: h[k] for k in keep} for h in data["trained"]],
        }
        if result.tokens:
            out["tokens"] = data["tokens"]
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(render(result))
    return EXIT_OK
