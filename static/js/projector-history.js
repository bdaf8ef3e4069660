/* live: the projector's "2018 → now" (state.compare === "history"): the current
   proposition at every debate of its series, per perspective, from
   GET /api/events/{code}/history/{proposition} (the public figures: tonight's only once
   revealed). Every figure comes from the server; this only lays it out. */
import { format, setText, show } from './connection.js';

export function setupHistory(root, cfg, S, num, onDrawn) {
  const box = document.getElementById('history');
  const title = document.getElementById('history-title');
  const table = document.getElementById('history-table');
  let key = null; // what was fetched: proposition, revealed, phase, round
  let trail = null;

  function points(value) {
    return (value > 0 ? '+' : value < 0 ? '−' : '') + num.n(Math.abs(value)) + ' ' + S.pp;
  }

  function cell(tag, text, className) {
    const node = document.createElement(tag);
    node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function label(point, last) {
    const year = (point.date || '').slice(0, 4) || point.code;
    return last ? format(S.history_now, { year }) : year;
  }

  function draw() {
    const shown = !!trail && trail.length > 1;
    show(box, shown);
    root.dataset.history = String(shown);
    if (!shown) return;
    const first = trail[0];
    const lastPoint = trail[trail.length - 1];
    setText(title, format(S.history_title, { first: label(first, false) }));
    const names = [];
    for (const point of trail) for (const name of Object.keys(point.by_perspective || {})) {
      if (!names.includes(name)) names.push(name);
    }
    const head = document.createElement('tr');
    head.append(cell('th', S.labels.agree + ' %'), ...trail.map((p, i) => cell('th', label(p, i === trail.length - 1))),
      cell('th', format(S.since, { year: label(first, false) })));
    const rows = [[S.everyone, (p) => p, (since) => since.total]].concat(names.map((name) => [
      name, (p) => (p.by_perspective || {})[name], (since) => (since.by_perspective || {})[name]]));
    const body = rows.map(([name, of, change]) => {
      const tr = document.createElement('tr');
      tr.append(cell('th', name));
      for (const point of trail) {
        const groups = point.by_perspective || {};
        const figures = of(point);
        if (name !== S.everyone && !(name in groups)) tr.append(cell('td', '–', 'history-none'));
        else if (!point.counts) tr.append(cell('td', S.not_revealed, 'history-none'));
        else if (!figures) tr.append(cell('td', S.too_few, 'history-none'));
        else tr.append(cell('td', num.pct(figures.agree)));
      }
      const since = lastPoint.since_first ? change(lastPoint.since_first) : null;
      const td = cell('td', since ? points(since.pp) + ' · ' + S[since.verdict] : '–', 'history-change');
      if (since) td.dataset.verdict = since.verdict;
      tr.append(td);
      return tr;
    });
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    tbody.append(...body);
    table.replaceChildren(thead, tbody);
  }

  async function load(state, wanted) {
    try {
      const reply = await fetch(`/api/events/${encodeURIComponent(cfg.code)}/history/${encodeURIComponent(state.proposition.id)}`,
        { cache: 'no-store', credentials: 'omit' });
      if (key !== wanted) return; // the moderator moved on meanwhile
      trail = reply.ok ? (await reply.json()).history : null;
    } catch (error) {
      if (key !== wanted) return;
      trail = null;
      key = null; // try again on the next state
    }
    draw();
    onDrawn();
  }

  // Called on every render of a revealed proposition; fetches again when what it shows may have changed.
  return function render(state) {
    const wanted = state && state.compare === 'history' && state.revealed && state.proposition
      ? [state.proposition.id, state.phase, state.round, state.seq].join(':') : null;
    if (!wanted) {
      key = null;
      trail = null;
      draw();
      return false;
    }
    if (wanted !== key) {
      key = wanted;
      load(state, wanted);
    }
    return root.dataset.history === 'true';
  };
}
