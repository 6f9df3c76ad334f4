"""One ParamKind entry per kind of parameter value: generated from the registry, each entry's text parsing, form
input, config coercion, and the agreement of the value it builds for the run with the code it writes for the
exported script. Also one LabelCast entry per label cast: what it records agrees with what the data preparation
did, and the code it writes gives the prepared labels back."""

from __future__ import annotations

import pytest

from workbench import catalog as C
from workbench.catalog import PARAM_KINDS, USE_DEFAULT, ParamKind, param_kind
from workbench.errors import WorkbenchError

KIND_IDS = [k.name for k in PARAM_KINDS]


class RecordingWriter:
    """What the exporter's Writer records: the imports a piece of code needs."""

    def __init__(self):
        self.imports: list[str] = []

    def need(self, module: str, *names: str) -> None:
        self.imports += [f"from {module} import {n}" for n in names]

    def plain(self, module: str, alias: str | None = None) -> None:
        self.imports.append(f"import {module}" + (f" as {alias}" if alias else ""))


def _param(kind: str, name: str = "p", default=None, choices=()) -> C.ParamSpec:
    return C.ParamSpec(name, kind, default, choices, help=f"the {name}")


# ---- text a person types -----------------------------------------------------------------------------------

# Per kind: (text, field name, value) or (text, field name, ValueError's message).
PARSE = {
    "str": [(" x ", "p", "x"), ("query: ", "prompts", "query: ")],
    "int": [(" 16 ", "p", 16), ("1.5", "p", ValueError("needs a whole number"))],
    "float": [
        ("2e-5", "p", 2e-5),
        ("5", "p", 5),
        ("inf", "p", ValueError("needs a finite number, e.g. 2e-5 or 0.1")),
        ("fast", "p", ValueError("needs a number, e.g. 2e-5 or 0.1")),
    ],
    "bool": [("Yes", "p", True), ("off", "p", False), ("maybe", "p", ValueError("needs true or false"))],
    "choice": [(" cosine ", "p", "cosine")],
    "int_list": [
        ("64, 32", "p", [64, 32]),
        ("[384,256]", "p", [384, 256]),
        (",", "p", ValueError("give comma-separated numbers, e.g. 384, 256, 128")),
    ],
    "float_list": [("1, 0.5", "p", [1.0, 0.5])],
    "token_poolings": [
        ("1, 2, 1.5", "p", [1, 2, 1.5]),
        ("0.5", "p", ValueError("needs pool factors of at least 1, e.g. 1, 2, 4")),
    ],
    "similarity": [("dot_score", "p", "dot_score")],
    "model": [(" default ", "p", "default")],
    "auto": [("3", "p", "3")],
    "distance_metric": [("COSINE", "p", "COSINE")],
    "activation_fn": [("Sigmoid", "p", "Sigmoid")],
    "pos_weight": [("2", "p", 2), ("x", "p", ValueError("needs a number, e.g. 2e-5 or 0.1"))],
    "list": [('["a", "b"]', "p", ["a", "b"]), ("tensorboard, wandb", "p", ["tensorboard", "wandb"])],
    "dict": [('{"a": 1}', "p", {"a": 1}), ("a", "p", ValueError('needs JSON, e.g. {"key": "value"}'))],
    "other": [
        ('{"s1": "q: "}', "prompts", {"s1": "q: "}),
        ("query: ", "prompts", "query: "),
        (" x ", "p", "x"),
    ],
}


@pytest.mark.parametrize("kind", PARAM_KINDS, ids=KIND_IDS)
def test_parse(kind: ParamKind):
    for text, name, want in PARSE[kind.name]:
        if isinstance(want, ValueError):
            with pytest.raises(ValueError) as caught:
                kind.parse(text, name)
            assert str(caught.value) == str(want), text
        else:
            got = kind.parse(text, name)
            assert got == want and type(got) is type(want), text


# ---- the loss-parameter form's input --------------------------------------------------------------------------

# Per kind: a parameter, a value to show, and (what to set on the input, the value it reads back).
FORM = {
    "str": (_param("str"), "x", ("y", "y")),
    "int": (_param("int", default=4), 8, ("16", 16)),
    "float": (_param("float", default=1.0), 2.5, ("0.5", 0.5)),
    "bool": (_param("bool", default=True), False, (True, True)),
    "choice": (_param("choice", default="a", choices=("a", "b")), "b", ("a", "a")),
    "int_list": (_param("int_list"), [64, 32], ("8, 4", [8, 4])),
    "float_list": (_param("float_list"), [1.0], ("1, 2", [1.0, 2.0])),
    "token_poolings": (_param("token_poolings", default=(1, 2)), [1, 4], ("1, 2", [1, 2])),
    "similarity": (
        _param("similarity", default="cos_sim", choices=C.SIMILARITIES),
        "dot_score",
        ("cos_sim", "cos_sim"),
    ),
    "model": (_param("model", default="default"), "some/model", ("default", "default")),
    "auto": (_param("auto"), None, None),
    "distance_metric": (
        _param("distance_metric", default="COSINE", choices=("COSINE", "EUCLIDEAN")),
        "EUCLIDEAN",
        ("COSINE", "COSINE"),
    ),
    "activation_fn": (
        _param("activation_fn", default="Identity", choices=("Identity", "Sigmoid")),
        "Sigmoid",
        ("Identity", "Identity"),
    ),
    "pos_weight": (_param("pos_weight"), 2.0, ("3.5", 3.5)),
    "list": (_param("list"), ["a"], ('["b"]', ["b"])),
    "dict": (_param("dict"), None, ('{"k": 1}', {"k": 1})),
    "other": (_param("other"), None, ("x", "x")),
}


@pytest.mark.parametrize("kind", PARAM_KINDS, ids=KIND_IDS)
def test_widget_shows_and_reads_the_value(kind: ParamKind):
    import ipywidgets as widgets

    param, current, edit = FORM[kind.name]
    if not kind.has_input:
        note = kind.widget(param, current)
        assert (
            isinstance(note, widgets.HTML) and "set automatically" in note.value and param.name in note.value
        )
        return
    empty = kind.widget(param, None)
    assert kind.read(empty) is None  # nothing typed or chosen: the default
    assert empty.description == param.name and empty.tooltip == param.help
    shown = kind.widget(param, current)
    assert kind.read(shown) == current
    typed, value = edit
    shown.value = typed
    assert kind.read(shown) == value
    if kind.dropdown:
        assert empty.value == USE_DEFAULT and empty.options[0][1] == USE_DEFAULT
    else:
        assert empty.value == "" and empty.placeholder.startswith("default: ")


def test_a_bad_text_reads_as_an_error():
    kind = param_kind("int")
    box = kind.widget(_param("int", default=4), None)
    box.value = "many"
    with pytest.raises(ValueError):
        kind.read(box)
    assert kind.what == "a whole number"


# ---- config values -----------------------------------------------------------------------------------------

# Per kind: (config value, the coerced value) or (config value, WorkbenchError's message).
COERCE = {
    "int": [
        ("16", 16),
        (4.0, 4),
        (2.5, WorkbenchError("n must be a whole number, got 2.5.")),
        (True, WorkbenchError("n must be a whole number, got True.")),
    ],
    "float": [
        ("2e-5", 2e-5),
        (3, 3),
        ("x", WorkbenchError("n must be a number, got 'x'.")),
        (float("inf"), WorkbenchError("n must be a finite number, got inf.")),
    ],
    "bool": [("Yes", True), (False, False), (1, WorkbenchError("n must be true or false, got 1."))],
    "pos_weight": [("2", 2.0)],
    "int_list": [
        ("64, 32", [64, 32]),
        ((128, 64.0), [128, 64]),
        ([64, 0], WorkbenchError("n must hold numbers of at least 1, got 0 in [64, 0].")),
        ([64, 1.5], WorkbenchError("n[1] must be a whole number, got 1.5.")),
        ("big", WorkbenchError("n must be a list of whole numbers, got 'big'.")),
        ([], WorkbenchError("n must be a list of whole numbers, got [].")),
    ],
    "float_list": [
        ([1, 0.5], [1, 0.5]),
        ([-1.0], [-1.0]),
        (5, WorkbenchError("n must be a list of numbers, got 5.")),
    ],
    "token_poolings": [
        ([1, 2, 1.5], [1, 2, 1.5]),
        ([0.5], WorkbenchError("n must hold numbers of at least 1, got 0.5 in [0.5].")),
    ],
}


@pytest.mark.parametrize("kind", PARAM_KINDS, ids=KIND_IDS)
def test_coerce(kind: ParamKind):
    assert kind.coerce("n", None, "here") is None
    for value, want in COERCE.get(kind.name, [("as it is", "as it is"), ([1], [1])]):
        if isinstance(want, WorkbenchError):
            with pytest.raises(WorkbenchError) as caught:
                kind.coerce("n", value, "here")
            assert caught.value.message == want.message and caught.value.where == "here"
        else:
            got = kind.coerce("n", value, "here")
            assert got == want and type(got) is type(want)
    assert C.coerce_value(kind.name, "n", None, "here") is None


# ---- the run's value and the script's code ----------------------------------------------------------------------


def _same(built, written) -> bool:
    import torch

    if isinstance(built, torch.Tensor):
        return torch.equal(built, written)
    if isinstance(built, torch.nn.Module):
        return type(built) is type(written) and getattr(built, "pool_factor", 0) == getattr(
            written, "pool_factor", 0
        )
    if isinstance(built, list) and any(isinstance(b, torch.nn.Module) for b in built):  # token poolings
        return len(built) == len(written) and all(map(_same, built, written))
    return built is written or (built == written and type(built) is type(written))


def _agree(param, key, value, cls) -> None:
    """The value built for the run and the one the exported code evaluates to are the same object or value."""
    w = RecordingWriter()
    code = C.value_code(param, key, value, cls, w, model_code=repr)
    namespace: dict = {}
    for line in w.imports:
        exec(line, namespace)
    if "SentenceTransformer" in namespace:  # a guide model: built by name, not loaded here
        namespace["SentenceTransformer"] = lambda path: ("model", path)
    built = C.build_value(param, key, value, cls, load_model=lambda name: ("model", name))
    assert _same(built, eval(code, namespace)), (key, value, code)


def _loss_with(key: str):
    return next(loss for loss in C.LOSSES if any(p.name == key for p in loss.params))


# Per kind: (catalog parameter or None, name, value, a loss that takes it).
BUILD = {
    "str": (None, "name", "x", None),
    "int": (_param("int"), "k", "16", None),
    "float": (_param("float"), "scale", "2e-5", None),
    "bool": (_param("bool"), "size_average", "yes", None),
    "choice": (_param("choice", choices=("mean", "sum")), "aggregation", "sum", None),
    "int_list": (_param("int_list"), "matryoshka_dims", [64, 32], None),
    "float_list": (_param("float_list"), "matryoshka_weights", [1.0, 0.5], None),
    "token_poolings": (_param("token_poolings"), "token_poolings", [1, 2, 2.5], None),
    "similarity": (None, "similarity_fct", "dot_score", None),
    "model": (_param("model"), "guide", "default", None),
    "auto": (_param("auto"), "num_labels", 3, None),
    "distance_metric": (None, "distance_metric", "COSINE", "TripletLoss"),
    "activation_fn": (None, "activation_fn", "Sigmoid", None),
    "pos_weight": (None, "pos_weight", 2, None),
    "list": (_param("list"), "x", ["a"], None),
    "dict": (_param("dict"), "x", {"a": 1}, None),
    "other": (_param("other"), "x", "y", None),
}


@pytest.mark.parametrize("kind", PARAM_KINDS, ids=KIND_IDS)
def test_built_value_and_written_code_agree(kind: ParamKind):
    param, key, value, loss_name = BUILD[kind.name]
    cls = C.resolve_loss(C.get_loss(loss_name)) if loss_name else None
    assert C.loss_param_kind(param, key, value) is kind
    _agree(param, key, value, cls)
    _agree(param, key, None, cls)


CATALOG_VALUES = [
    (loss, p, v)
    for loss in C.LOSSES
    for p in loss.params
    if p.kind != "auto"
    for v in dict.fromkeys([p.default, *p.choices])
]


@pytest.mark.parametrize(
    "loss,param,value", CATALOG_VALUES, ids=[f"{loss.key}.{p.name}={v}" for loss, p, v in CATALOG_VALUES]
)
def test_every_catalog_value_builds_what_its_code_writes(loss, param, value):
    _agree(param, param.name, value, C.resolve_loss(loss))


def test_a_claimed_name_keeps_its_catalog_kinds_form():
    """An entry that claims a parameter by name shows and reads it like the catalog's kind does."""
    for loss in C.LOSSES:
        for p in loss.params:
            entry, by_kind = C.loss_param_kind(p, p.name, p.default), param_kind(p.kind)
            assert isinstance(entry, type(by_kind)) or (entry.dropdown, entry.what) == (
                by_kind.dropdown,
                by_kind.what,
            ), p


def test_build_errors_name_the_parameter():
    with pytest.raises(WorkbenchError, match="similarity function 'cosine' is not known"):
        C.build_value(None, "similarity_fct", "cosine", None, load_model=None)
    with pytest.raises(WorkbenchError, match="activation 'Relu' is not a torch.nn module"):
        C.build_value(None, "activation_fn", "Relu", None, load_model=None)
    with pytest.raises(WorkbenchError, match="distance_metric 'L1' is not known to TripletLoss"):
        C.build_value(
            None, "distance_metric", "L1", C.resolve_loss(C.get_loss("TripletLoss")), load_model=None
        )


# ---- label casts ----------------------------------------------------------------------------------------------

# Per cast: label values that `prepare` turns into numbers with it.
CAST_VALUES = {
    C.CAST_CATEGORY: ["yes", "no", "maybe", "no", "yes", "yes"],
    C.CAST_INT: ["0", "1", "2", "1", "0", "2"],
    C.CAST_FLOAT: ["0.5", "1.25", "4", "3.5", "2", "0"],
    C.CAST_BOOL: [True, False, True, True, False, False],
}


@pytest.mark.parametrize("cast", C.LABEL_CASTS, ids=[c.name for c in C.LABEL_CASTS])
def test_label_cast_is_what_prepare_did_and_writes_it(cast):
    import pprint

    from workbench import data
    from workbench.engine.datasets import _label_prep  # the record the run keeps

    raw = data.from_pandas_or_dict({"s": [f"text {i}" for i in range(6)], "v": CAST_VALUES[cast.name]})
    prepared = data.prepare_recorded(raw, ["s"], "v")
    assert prepared.cast is cast and prepared.dataset.to_list() == data.prepare(raw, ["s"], "v").to_list()
    lab = _label_prep("v", None, prepared)
    assert lab.cast == cast.name and C.label_cast(cast.name) is cast
    assert prepared.dataset.features["label"].dtype == cast.dtype == lab.dtype
    lines, expr = cast.code("v", lab.category_map, lambda value, indent: pprint.pformat(value))
    namespace: dict = {}
    exec("\n".join(lines), namespace)
    assert [eval(expr, {**namespace, "v": v}) for v in raw["v"]] == prepared.dataset["label"]
    assert all(line.startswith(("#", "label_ids")) for line in lines)


@pytest.mark.parametrize(
    "cast", [None, *(c for c in C.LABEL_CASTS if c.rescalable)], ids=lambda c: c.name if c else "none"
)
def test_label_scale_writes_what_prepare_did(cast):
    """Rescaling after each cast that allows it (and after none): the script's code gives the prepared values."""
    from workbench import data

    values = {None: [0.5, 1.0, 2.0, 1.5, 0.0, 2.0], C.CAST_FLOAT: ["0.5", "1.25", "2", "1.5", "2", "0"]}
    raw = data.from_pandas_or_dict(
        {"s": [f"text {i}" for i in range(6)], "v": values.get(cast and cast.name) or CAST_VALUES[cast.name]}
    )
    prepared = data.prepare_recorded(raw, ["s"], "v", (0, 2))
    scale = C.LabelScale(0.0, 2.0)
    note, expr = scale.code("v", cast.expr if cast else None)
    assert prepared.cast is cast and note.startswith("# Rescale 'v' from its 0–2 scale to 0–1")
    assert [eval(expr, {"v": v}) for v in raw["v"]] == prepared.dataset["label"]
    assert prepared.dataset.features["label"].dtype == scale.dtype
