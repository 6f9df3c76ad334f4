"""The distillation wizard in Chromium: upload a file of texts, open "Make it smaller", take a teacher from a folder
(the tiny model) and its first layer as the student, distil, and see the teacher beside the student and the
verdict. Screenshots at 1024 x 768 and 1400 x 1000 in test-artifacts/."""

from __future__ import annotations

import pytest
from test_app import shot, wait_text
from test_own_data import upload
from wb_distill import texts_file

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_the_wizard_distils_a_teacher_into_its_first_layer(small_app, tmp_path, tiny_model):
    page = small_app
    upload(page, texts_file(tmp_path))
    wait_text(page, ".wb-datasets", "texts", 120_000)
    wait_text(page, ".wb-datasets", "ready", 120_000)
    page.locator(".wb-distill-fold").get_by_text("Make it smaller").first.click()
    box = page.locator(".wb-distill")
    box.locator(".wb-distill-go").wait_for(state="visible", timeout=30_000)
    box.locator(".wb-distill-teacher select").select_option(label="a model folder…")
    folder = box.locator(".wb-distill-teacher-folder input")
    folder.fill(tiny_model)
    folder.press("Enter")
    wait_text(page, ".wb-distill-student-kind", "of 2", 30_000)
    dataset = box.locator(".wb-distill-dataset select")
    value = next(v for v in dataset.locator("option").all_inner_texts() if v.endswith("/texts"))
    dataset.select_option(label=value)
    box.locator(".wb-distill-go").click()
    try:
        wait_text(page, ".wb-distill-result", "Student after", 600_000)
        page.locator(".wb-distill-result").scroll_into_view_if_needed()
    finally:
        shot(page, "45-distilled-1024")
    text = page.locator(".wb-distill-result").inner_text()
    assert "Teacher" in text and "Student before" in text and "of the teacher's quality" in text, text
    assert page.locator(".wb-distill-status .wb-error").count() == 0
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.locator(".wb-distill-result").scroll_into_view_if_needed()
    shot(page, "45-distilled-1400")
