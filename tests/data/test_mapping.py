"""The one mapping rule the app and the engine share: explicit values win, the profile's guess fills the rest,
and a held-out part that maps nothing itself takes its train set's mapping."""

from __future__ import annotations

from wb_data import scored_pairs

from workbench import data
from workbench.data import Mapping, dataset_mapping, inherits_mapping
from workbench.spec import DatasetSpec

PROFILE = data.profile(data.load_raw(DatasetSpec(source="dict", data=scored_pairs(8))))


def spec(**mapping) -> DatasetSpec:
    return DatasetSpec(source="dict", data=scored_pairs(8), **mapping)


def test_the_profile_guesses_inputs_and_label():
    assert dataset_mapping(spec(), PROFILE) == (("sentence1", "sentence2"), "score", None, True)


def test_explicit_values_win_and_an_empty_label_means_none():
    chosen = dataset_mapping(
        spec(columns=("sentence2", "sentence1"), label="score", label_range=(0, 5)), PROFILE
    )
    assert chosen == Mapping(("sentence2", "sentence1"), "score", (0, 5), False)
    assert dataset_mapping(spec(label=""), PROFILE) == (("sentence1", "sentence2"), None, None, False)


def test_a_guessed_label_that_is_an_input_is_no_label():
    mapping = dataset_mapping(spec(columns=("sentence1", "score")), PROFILE)
    assert mapping.label is None and not mapping.label_guessed


def test_nothing_is_guessed_before_the_rows_load():
    assert dataset_mapping(spec(), None) == ((), None, None, False)
    assert dataset_mapping(spec(columns=("a", "b"), label="c"), None) == (("a", "b"), "c", None, False)


def test_a_held_out_part_takes_its_train_sets_mapping_unless_it_maps_itself():
    train = Mapping(("sentence1", "sentence2"), "score", (0.0, 5.0), False)
    held = DatasetSpec(source="holdout", of="sts", fraction=0.25)
    assert inherits_mapping(held) and dataset_mapping(held, PROFILE, train=train) is train
    own = DatasetSpec(source="holdout", of="sts", fraction=0.25, label="")
    assert not inherits_mapping(own) and dataset_mapping(own, PROFILE, train=train).label is None
    assert not inherits_mapping(spec()) and dataset_mapping(spec(), PROFILE, train=train).label_guessed


def test_a_label_given_alone_is_not_guessed_as_an_input_too():
    """Choosing a text column as the label (no columns given) takes it out of the guessed inputs, in the engine,
    the app and `workbench check` alike."""
    mapping = dataset_mapping(spec(label="sentence2"), PROFILE)
    assert mapping == Mapping(("sentence1",), "sentence2", None, False)
