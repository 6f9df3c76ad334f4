"""A Session's observers run one change at a time, whichever thread made the change: the demo finishing its load
(the loader thread) and an uploaded file being added (the upload thread) both refresh the panels, and two
refreshes at once interleave their widget updates (seen in the browser: the mining wizard mined the demo while
the page showed the upload chosen)."""

from __future__ import annotations

import threading
import time

from panel_fixtures import make_session

from workbench.spec import EvaluatorChoice


def watch(session, names):
    """Observe ``names`` with a slow observer; returns the most observers seen running at once."""
    seen = {"now": 0, "most": 0}
    guard = threading.Lock()

    def slow(change):
        with guard:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        time.sleep(0.05)
        with guard:
            seen["now"] -= 1

    session.observe(slow, names=names)
    return seen


def at_once(*changes):
    """Run each change in its own thread, all started together."""
    start = threading.Barrier(len(changes))

    def run(change):
        start.wait()
        change()

    threads = [threading.Thread(target=run, args=(c,)) for c in changes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "a change never finished: the observers deadlocked"


def test_changes_from_two_threads_are_observed_one_after_the_other(tmp_path):
    session = make_session(tmp_path)
    seen = watch(session, ["data_version", "loading", "datasets"])
    for _ in range(5):
        at_once(
            lambda: setattr(session, "data_version", session.data_version + 1),  # the loader: a load ended
            lambda: setattr(session, "loading", {"upload:faq.csv": True}),  # the upload thread
            lambda: session.remove_dataset("eval/dev"),  # the page: a dataset removed
        )
        session.add_dataset("eval", "dev", session.entry("train/sts").spec)
    assert seen["most"] == 1, f"{seen['most']} observers ran at once"


def test_an_observer_may_change_the_session_and_another_thread_waits_its_turn(tmp_path):
    """An observer that changes the Session (the datasets change ticks an evaluator) runs its nested observers
    in the same thread; a change from another thread meanwhile is observed after, not lost."""
    session = make_session(tmp_path)
    versions = []
    session.observe(lambda c: versions.append(c["new"]), names=["data_version"])

    def tick(change):
        if not any(ev.dataset == "eval/dev2" for ev in session.evaluators):
            time.sleep(0.05)
            session.evaluators = (
                *session.evaluators,
                EvaluatorChoice("EmbeddingSimilarityEvaluator", "eval/dev2"),
            )

    session.observe(tick, names=["datasets"])
    spec = session.entry("eval/dev").spec
    at_once(
        lambda: session.add_dataset("eval", "dev2", spec, load=False),
        lambda: setattr(session, "data_version", session.data_version + 1),
    )
    assert any(ev.dataset == "eval/dev2" for ev in session.evaluators)
    assert versions and versions[-1] == session.data_version
