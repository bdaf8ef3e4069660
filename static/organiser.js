/* live: small helpers for the organiser's pages (no WebSocket here).
   - new debate: "Import" fills the form from a definition file, read locally with
     FileReader; nothing is uploaded until the organiser submits the form.
   - results report: [data-print] buttons open the print dialog.
   - forms with data-confirm="…" ask before they are sent. */
(() => {
  'use strict';
  const node = document.getElementById('live-config');
  const cfg = node ? JSON.parse(node.textContent) : {};
  const S = cfg.strings || {};
  const MAX_FILE = 1024 * 1024;

  for (const button of document.querySelectorAll('[data-print]')) {
    button.hidden = false;
    button.addEventListener('click', () => window.print());
  }

  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  const box = document.getElementById('import-box');
  const input = document.getElementById('import-file');
  const status = document.getElementById('import-status');
  const form = document.getElementById('new-form');
  if (!box || !input || !form) return;
  box.hidden = false;

  function report(text, kind) {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function lines(value) {
    if (!Array.isArray(value)) return null;
    const out = [];
    for (const item of value) {
      if (typeof item === 'string') out.push(item);
      else if (item && typeof item.text === 'string') out.push(item.text);
      else if (item && typeof item.name === 'string') out.push(item.name);
      else return null;
    }
    // one entry per line: a line break inside an entry would split it in two
    return out.map((line) => line.replace(/[\r\n]+/g, ' ').trim()).filter(Boolean).join('\n');
  }

  function fill(definition) {
    if (!definition || typeof definition !== 'object' || Array.isArray(definition)) return false;
    const propositions = lines(definition.propositions);
    if (typeof definition.title !== 'string' || propositions === null) return false;
    const field = (name) => form.elements.namedItem(name);
    field('title').value = definition.title;
    field('propositions').value = propositions;
    if (field('perspectives')) field('perspectives').value = lines(definition.perspectives || []) || '';
    if (field('min_group') && Number.isInteger(definition.min_group)) field('min_group').value = String(definition.min_group);
    if (field('allow_neutral') && typeof definition.allow_neutral === 'boolean') {
      field('allow_neutral').checked = definition.allow_neutral;
    }
    if (field('premoderation') && typeof definition.premoderation === 'boolean') {
      field('premoderation').checked = definition.premoderation;
    }
    const language = field('language');
    if (language && typeof definition.language === 'string'
        && Array.from(language.options).some((o) => o.value === definition.language)) {
      language.value = definition.language;
    }
    return true;
  }

  input.addEventListener('change', () => {
    const file = input.files && input.files[0];
    if (!file) return;
    if (file.size > MAX_FILE) {
      report(S.import_bad, 'error');
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      let definition = null;
      try {
        definition = JSON.parse(String(reader.result).replace(/^\uFEFF/, ''));
      } catch (err) {
        definition = null;
      }
      if (fill(definition)) {
        report(S.import_done, 'ok');
        const password = form.elements.namedItem('admin_password');
        if (password) password.focus();
      } else {
        report(S.import_bad, 'error');
      }
    };
    reader.onerror = () => report(S.import_unreadable, 'error');
    reader.readAsText(file);
  });
})();
