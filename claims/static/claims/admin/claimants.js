// The claim form: "According to X, …" (or "X argued …") at the start of the statement
// suggests X as its claimant. Only a suggestion: a claimant row is added when the
// editor clicks, and saved when they save.
"use strict";
window.addEventListener("load", function () {
  const box = document.getElementById("claimant-suggestion");
  const statement = document.getElementById("id_statement");
  if (!box || !statement) return;
  const group = document.getElementById("attributions-group");
  let timer = null;
  let asked = "";

  function chosenIds() {
    if (!group) return [];
    return Array.from(group.querySelectorAll("select[name$='-entity']"))
      .filter((select) => !select.closest(".empty-form"))
      .filter((select) => {
        const remove = select.closest("tr, .inline-related")?.querySelector("input[name$='-DELETE']");
        return !(remove && remove.checked);
      })
      .map((select) => select.value)
      .filter(Boolean);
  }

  function addClaimant(entity, role, basis) {
    const add = group && group.querySelector(".add-row a");
    if (!add) return false;
    add.click();
    const rows = group.querySelectorAll(".dynamic-attributions");
    const row = rows[rows.length - 1];
    const select = row.querySelector("select[name$='-entity']");
    const option = new Option(entity.name, String(entity.id), true, true);
    select.append(option);
    if (window.django && window.django.jQuery) window.django.jQuery(select).trigger("change");
    const roleSelect = row.querySelector("select[name$='-role']");
    if (roleSelect && role) roleSelect.value = role;
    const basisInput = row.querySelector("input[name$='-basis']");
    if (basisInput && basis) basisInput.value = basis;
    return true;
  }

  function show(answer) {
    box.replaceChildren();
    if (!answer.phrase) {
      box.textContent = "The statement names no claimant.";
      return;
    }
    const intro = document.createElement("p");
    intro.textContent = `The statement names \u201c${answer.phrase}\u201d (${answer.role}).`;
    box.append(intro);
    const chosen = chosenIds();
    const canAdd = Boolean(group && group.querySelector(".add-row a"));
    for (const entity of answer.entities) {
      if (chosen.includes(String(entity.id))) {
        const done = document.createElement("p");
        done.textContent = `${entity.name} is a claimant.`;
        box.append(done);
        continue;
      }
      if (!canAdd) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button claimant-add";
      button.textContent = `Add ${entity.name} as claimant`;
      button.addEventListener("click", () => {
        if (addClaimant(entity, answer.role, answer.basis)) {
          button.replaceWith(document.createTextNode(`${entity.name} added below; save to keep it.`));
        }
      });
      box.append(button, " ");
    }
    if (!answer.entities.length && answer.add_entity_url) {
      const link = document.createElement("a");
      link.href = answer.add_entity_url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = `No entity is named \u201c${answer.phrase}\u201d yet: add it`;
      box.append(link);
    }
    if (!canAdd && answer.entities.length) {
      const note = document.createElement("p");
      note.textContent = "Claimants of a public claim are changed by a reviewer.";
      box.append(note);
    }
  }

  function ask() {
    const text = statement.value.trim();
    if (text === asked) return;
    asked = text;
    const url = `${box.dataset.url}?${new URLSearchParams({ statement: text })}`;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        if (answer && text === asked) show(answer);
      })
      .catch(() => {});
  }

  statement.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  ask();
});
