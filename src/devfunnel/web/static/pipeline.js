// The pipeline board (templates/work/pipeline.html): drag a card to another stage, or use
// its "Move to…" form (the keyboard way). Either calls POST /api/v1/opportunities/{id}/move,
// the same gated move as the API, with the session's CSRF token. A refused move (409)
// leaves the card where it was and lists the missing exit criteria; an allowed one
// reloads the board in place (fresh gates and totals). Without scripts the forms post to
// /pipeline/{id}/move and the server answers with the board.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var statusBox = document.getElementById("board-status");
  var refused = document.getElementById("move-refused");
  var dragged = null;

  function labelOf(stage) {
    var col = board.querySelector('.board-col[data-stage="' + stage + '"]');
    return col ? col.getAttribute("data-label") : stage;
  }

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "board-status " + (kind || "");
  }

  function showRefused(card, stage, problem) {
    var missing = problem.missing || [];
    refused.querySelector(".refused-title").textContent =
      "Not moved to " + labelOf(stage) + ": " + (missing.length ? missing.length + " exit criteria not met." : problem.detail);
    var list = refused.querySelector(".refused-list");
    list.textContent = "";
    missing.forEach(function (m) {
      var li = document.createElement("li");
      li.textContent = m.message;
      list.appendChild(li);
    });
    var override = refused.querySelector(".override-form");
    if (override) {
      override.hidden = !missing.length;
      override.action = "/pipeline/" + card.getAttribute("data-id") + "/move";
      override.querySelector('input[name="stage"]').value = stage;
    }
    refused.hidden = false;
    card.classList.add("bounced");
    window.setTimeout(function () { card.classList.remove("bounced"); }, 1200);
    say("", "");
  }

  function reload(message) {
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (fresh) { board.innerHTML = fresh.innerHTML; wire(); }
        say(message, "ok");
      });
  }

  function move(card, stage, lostReason) {
    var from = card.getAttribute("data-stage");
    if (!stage || stage === from) { return; }
    var col = board.querySelector('.board-col[data-stage="' + stage + '"]');
    if (col && col.classList.contains("outcome-lost") && !lostReason) {
      // Losing needs a reason: open the card's form on the lost stage and ask there.
      var form = card.querySelector(".move-form");
      form.querySelector(".move-stage").value = stage;
      toggleReason(form);
      form.querySelector(".lost-reason").focus();
      say("Say why " + card.getAttribute("data-name") + " was lost, then press Move.", "warn");
      return;
    }
    refused.hidden = true;
    card.classList.add("moving");
    var body = { stage: stage };
    if (lostReason) { body.lost_reason = lostReason; }
    fetch("/api/v1/opportunities/" + card.getAttribute("data-id") + "/move", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      card.classList.remove("moving");
      if (result.ok) {
        return reload("Moved " + card.getAttribute("data-name") + " from " + labelOf(from) + " to " + labelOf(stage) + ".");
      }
      showRefused(card, stage, result.data || {});
    }).catch(function () {
      card.classList.remove("moving");
      say("The move could not be sent; check the connection and try again.", "bad");
    });
  }

  function toggleReason(form) {
    var select = form.querySelector(".move-stage");
    var option = select.options[select.selectedIndex];
    var reason = form.querySelector(".lost-reason");
    var lost = option && option.getAttribute("data-outcome") === "lost";
    reason.hidden = !lost;
    reason.required = lost;
  }

  function wire() {
    board.querySelectorAll(".deal.movable").forEach(function (card) {
      card.addEventListener("dragstart", function (event) {
        dragged = card;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
        card.classList.add("dragging");
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("dragging");
        board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
      });
      var form = card.querySelector(".move-form");
      form.querySelector(".move-stage").addEventListener("change", function () { toggleReason(form); });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var stage = form.querySelector(".move-stage").value;
        if (!stage) { say("Pick the stage to move " + card.getAttribute("data-name") + " to.", "warn"); return; }
        move(card, stage, form.querySelector(".lost-reason").value.trim());
      });
    });
    board.querySelectorAll(".board-col").forEach(function (col) {
      col.addEventListener("dragover", function (event) {
        if (dragged && dragged.getAttribute("data-stage") !== col.getAttribute("data-stage")) {
          event.preventDefault();
          col.classList.add("drop-target");
        }
      });
      col.addEventListener("dragleave", function () { col.classList.remove("drop-target"); });
      col.addEventListener("drop", function (event) {
        event.preventDefault();
        col.classList.remove("drop-target");
        if (dragged) { move(dragged, col.getAttribute("data-stage"), ""); dragged = null; }
      });
    });
  }

  refused.querySelector(".refused-close").addEventListener("click", function () { refused.hidden = true; });
  var mine = document.querySelector('#board-filters input[name="mine"]');
  if (mine) {
    mine.addEventListener("change", function () { mine.form.submit(); });
  }
  wire();
}());
