"""The work pages in a real browser: moving pipeline cards under their gates, accepting a
handoff, deciding a merge and undoing it, and the admins' alert and CRM settings.

The behaviour behind each is tested in process under ``tests/web/work``; these check
what a person sees and clicks, with no console errors beyond the refusals a test causes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

SignIn = Callable[[Any, str], None]
Screenshot = Callable[[Any, str], Path]


def column(page: Any, stage: str) -> Any:
    return page.locator(f'.board-col[data-stage="{stage}"]')


def test_pipeline_refuses_a_move_then_allows_one(
    page: Any, sign_in: SignIn, screenshot: Screenshot
) -> None:
    sign_in(page, "seller")
    page.get_by_role("link", name="Pipeline").click()
    page.wait_for_url(re.compile(r"/pipeline$"))
    acme = column(page, "discovery").locator('.deal[data-name="Acme platform"]')
    assert "exit criteria missing" in acme.inner_text()

    # The keyboard way: Move to… on a card whose exit criteria are not met.
    page.allow_console(r"status of 409")  # the refused move answers 409
    acme.get_by_label("Move Acme platform to").select_option("technical_evaluation")
    acme.get_by_role("button", name="Move").click()
    refused = page.locator("#move-refused")
    refused.wait_for(state="visible")
    assert "Not moved to Technical evaluation" in refused.inner_text()
    missing = refused.locator(".refused-list li").all_inner_texts()
    assert any("primary_contact" in m for m in missing)
    assert any("identify_pain" in m for m in missing)
    assert column(page, "discovery").locator('.deal[data-name="Acme platform"]').count() == 1
    screenshot(page, "pipeline")

    # Dragging a card whose criteria are met: it lands in the next stage.
    globex = column(page, "discovery").locator('.deal[data-name="Globex API"]')
    assert "ready for Technical evaluation" in globex.inner_text()
    globex.drag_to(column(page, "technical_evaluation"))
    page.locator("#board-status", has_text="Moved Globex API").wait_for()
    assert (
        column(page, "technical_evaluation").locator('.deal[data-name="Globex API"]').count() == 1
    )
    assert column(page, "discovery").locator('.deal[data-name="Globex API"]').count() == 0
    # Someone else's opportunity has no controls for this seller.
    assert page.locator('.deal[data-name="Initech renewal"] .move-form').count() == 0


def test_accepting_a_handoff(page: Any, sign_in: SignIn, screenshot: Screenshot) -> None:
    sign_in(page, "seller")
    page.goto("/handoffs?scope=all")
    page.wait_for_function("document.querySelector('canvas[data-chart]').chart !== undefined")
    clocks = page.locator(".sla").all_inner_texts()
    assert any("left" in c for c in clocks)
    assert any("breached" in c for c in clocks)
    screenshot(page, "handoffs")
    page.get_by_role("link", name=re.compile(r"^Mine")).click()
    mine = page.locator(".handoff", has_text="Acme")
    mine.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(r"/handoffs"))
    assert "Accepted the handoff of Acme." in page.locator(".flash").inner_text()
    assert page.locator(".handoff", has_text="Acme platform").count() == 0


def test_approving_a_merge_then_unmerging(
    page: Any, sign_in: SignIn, screenshot: Screenshot
) -> None:
    sign_in(page, "devrel")
    page.get_by_role("link", name="People").click()
    box = page.locator(".suggestion", has_text="jane.doe@gmail.com").first
    assert "91.0%" in box.inner_text()
    box.get_by_role("button", name="Merge").click()
    page.wait_for_url(re.compile(r"/people\?person="))
    assert "Merged" in page.locator(".flash").inner_text()
    history = page.locator("#merges")
    # Whichever Jane survived, the other came in with their email identity.
    assert "manual by devrel@acme.dev" in history.inner_text()
    assert re.search(r"email:jane(\.doe@gmail\.com|@acme\.io)", history.inner_text())
    screenshot(page, "people")
    history.get_by_label("Why undo this merge").fill("Two different Janes")
    history.get_by_role("button", name="Unmerge").click()
    page.wait_for_url(re.compile(r"/people\?person="))
    assert "Unmerged" in page.locator(".flash").inner_text()
    assert "undone" in page.locator("#merges").inner_text()


def test_alert_and_crm_settings(page: Any, sign_in: SignIn, screenshot: Screenshot) -> None:
    sign_in(page, "admin")
    page.goto("/settings")
    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Alert destinations"
    ).click()
    page.wait_for_url(re.compile(r"/settings/alerts$"))
    form = page.locator("#add-destination")
    form.get_by_label("Name").fill("sales-slack")
    form.get_by_label("Kind").select_option("slack")
    form.get_by_label("URL").fill("https://hooks.slack.com/services/T000/B000/secretpart")
    form.get_by_label("Handoff waiting past due").check()
    form.get_by_role("button", name="Add destination").click()
    page.wait_for_url(re.compile(r"/settings/alerts$"))
    row = page.locator('tr[data-destination="sales-slack"]')
    assert "https://hooks.slack.com/…" in row.inner_text()
    assert "secretpart" not in page.content()
    screenshot(page, "settings-alerts")
    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="CRM connections"
    ).click()
    page.wait_for_url(re.compile(r"/settings/crm$"))
    assert "crm.hubspot.token" in page.locator('tr[data-system="hubspot"]').inner_text()
    page.get_by_role("button", name="Queue changes now").click()
    page.wait_for_url(re.compile(r"/settings/crm$"))
    assert "No CRM connection is on" in page.locator(".flash").inner_text()
    screenshot(page, "settings-crm")
