/* live: small helpers for the organiser's pages (no WebSocket here).
   - new debate: "Import" fills the form from a definition file, read locally with
     FileReader; nothing is uploaded until the organiser submits the form.
   - new debate: the colour picker is sent only when "own accent colour" is ticked (a
     colour input always has a value); a logo over 256 KB is refused before uploading.
   - results report: [data-print] buttons open the print dialog.
   - forms with data-confirm="…" ask before they are sent. */
import { config } from './connection.js';

const S = config().strings || {};
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

const MAX_LOGO = 256 * 1024;
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
const ACCENT = /^#[0-9a-f]{6}$/i;
const accentOn = document.getElementById('accent_on');
const accent = document.getElementById('accent');
const logo = document.getElementById('logo');

function syncAccent() {
  if (accentOn && accent) accent.disabled = !accentOn.checked;
}
if (accentOn && accent) {
  accentOn.addEventListener('change', () => {
    syncAccent();
    if (accentOn.checked) accent.focus();
  });
  window.addEventListener('pageshow', syncAccent); // a form restored from the back/forward cache
  syncAccent();
}

function checkLogo() {
  const file = logo.files && logo.files[0];
  let problem = '';
  if (file && file.type && !LOGO_TYPES.includes(file.type)) problem = S.logo_wrong_type;
  else if (file && file.size > MAX_LOGO) problem = S.logo_too_big;
  logo.setCustomValidity(problem || '');
  if (problem) {
    logo.setAttribute('aria-invalid', 'true');
    logo.reportValidity();
  } else {
    logo.removeAttribute('aria-invalid');
  }
}
if (logo) logo.addEventListener('change', checkLogo);

const box = document.getElementById('import-box');
const input = document.getElementById('import-file');
const status = document.getElementById('import-status');
const form = document.getElementById('new-form');
if (box && input && form) setUpImport();

// "Import": fill the form from a definition file.
function setUpImport() {
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
      else if (item && typeof item.text === 'string') {
        out.push(item.text);
        // a proposition's plain-language line: the next line, starting with ">"
        if (typeof item.plain === 'string' && item.plain.trim()) out.push('> ' + item.plain);
      }
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
    if (field('time_zone') && typeof definition.time_zone === 'string') field('time_zone').value = definition.time_zone;
    if (field('perspectives')) field('perspectives').value = lines(definition.perspectives || []) || '';
    if (field('min_group') && Number.isInteger(definition.min_group)) field('min_group').value = String(definition.min_group);
    if (field('allow_neutral') && typeof definition.allow_neutral === 'boolean') {
      field('allow_neutral').checked = definition.allow_neutral;
    }
    if (field('premoderation') && typeof definition.premoderation === 'boolean') {
      field('premoderation').checked = definition.premoderation;
    }
    if (accentOn && accent) {
      const colour = typeof definition.accent === 'string' && ACCENT.test(definition.accent) ? definition.accent : null;
      accentOn.checked = colour !== null;
      if (colour) accent.value = colour.toLowerCase();
      syncAccent();
    }
    if (logo) fillLogo(definition.logo);
    const language = field('language');
    if (language && typeof definition.language === 'string'
        && Array.from(language.options).some((o) => o.value === definition.language)) {
      language.value = definition.language;
    }
    return true;
  }

  // The definition carries the logo as a data: URL; put it in the file field as a file.
  function fillLogo(value) {
    const found = typeof value === 'string' && /^data:(image\/(png|jpeg|webp));base64,([A-Za-z0-9+/=]+)$/.exec(value);
    if (!found || typeof DataTransfer !== 'function') return;
    try {
      const bytes = Uint8Array.from(atob(found[3]), (c) => c.charCodeAt(0));
      const files = new DataTransfer();
      files.items.add(new File([bytes], 'logo.' + (found[2] === 'jpeg' ? 'jpg' : found[2]), { type: found[1] }));
      logo.files = files.files;
      checkLogo();
    } catch (err) {
      /* a broken logo: the organiser can still choose one */
    }
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
}
