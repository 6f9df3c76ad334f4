"""Query/document roles of the mapped columns (router_mapping) and each side's learning rate, from the catalog's
data formats."""

from __future__ import annotations

import re

import pytest

from workbench import catalog as C
from workbench.errors import WorkbenchError
from workbench.rules import ROUTE_PATTERNS, column_routes, format_routes, learning_rate_mapping, merge_routes
from workbench.rules.router import DOCUMENT_ROLES, QUERY_ROLES


def _formats():
    seen = {}
    for model_type in (C.DENSE, C.SPARSE):
        for loss in C.losses_for(model_type):
            for fmt in loss.formats:
                seen[fmt.ref] = (loss, fmt)
    return seen


@pytest.mark.parametrize("ref", sorted(_formats()))
def test_every_format_is_either_query_then_documents_or_refused(ref):
    loss, fmt = _formats()[ref]
    n = max(fmt.n_min, 2 if fmt.n_max is None or fmt.n_max >= 2 else fmt.n_min)
    routes = format_routes(fmt, n)
    if routes is None:
        # Refused formats: interchangeable sentences, or a single input.
        assert fmt.roles[0] not in QUERY_ROLES or n < 2 or fmt.roles[1:] == ("anchor",)
        with pytest.raises(WorkbenchError) as info:
            column_routes(loss, ref, [f"c{i}" for i in range(n)], "train/x")
        assert info.value.where == "model.asymmetric" and "MultipleNegativesRankingLoss" in info.value.fix
    else:
        assert routes == ("query",) + ("document",) * (n - 1)
        assert all(any(r.startswith(d) for d in DOCUMENT_ROLES) for r in fmt.roles[1:])


def test_retrieval_data_maps_the_first_column_to_the_query():
    loss = C.get_loss("MultipleNegativesRankingLoss", C.DENSE)
    routes = column_routes(loss, "D9", ["question", "answer", "wrong"], "train/qa")
    assert routes == {"question": "query", "answer": "document", "wrong": "document"}
    # The "2+n" rows: every further column is a document too.
    assert column_routes(loss, "D10", list("abcde"), "train/qa") == {
        "a": "query",
        **{c: "document" for c in "bcde"},
    }


def test_sts_pairs_have_no_query_and_say_why():
    loss = C.get_loss("CoSENTLoss", C.DENSE)
    with pytest.raises(WorkbenchError) as info:
        column_routes(loss, "D8", ["sentence1", "sentence2"], "train/sts")
    message = info.value.message
    assert "CoSENTLoss on train/sts" in message and "sentence_A, sentence_B" in message


def test_a_column_cannot_be_the_query_in_one_set_and_a_document_in_another():
    merged = merge_routes({"train/a": {"q": "query", "d": "document"}, "eval/b": {"q": "query"}})
    assert merged == {"q": "query", "d": "document"}
    with pytest.raises(WorkbenchError, match="'d' is the document in train/a but a query in train/b") as info:
        merge_routes({"train/a": {"q": "query", "d": "document"}, "train/b": {"d": "query", "x": "document"}})
    assert info.value.where == "datasets.train.b.columns"


def test_learning_rate_patterns_match_each_side_of_a_router_only():
    rates = learning_rate_mapping({"query": 1e-3})
    assert rates == {ROUTE_PATTERNS["query"]: 1e-3}
    names = ["model.0.sub_modules.query.0.weight", "model.0.sub_modules.document.0.auto_model.x.weight"]
    assert [n for n in names if re.search(ROUTE_PATTERNS["query"], n)] == names[:1]
    assert [n for n in names if re.search(ROUTE_PATTERNS["document"], n)] == names[1:]
