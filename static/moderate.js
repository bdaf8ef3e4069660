/* live: the moderator's console. Every command is sent with an id and shows as pending
   until the server acknowledges it; errors appear in the alert box. Keyboard:
   ArrowRight/PageDown next, ArrowLeft/PageUp previous, Space open/close, R reveal/hide. */
(() => {
  'use strict';
  const { Live, LiveConnection } = window;
  const cfg = Live.config();
  const S = cfg.strings;
  const num = Live.numbers(cfg.lang);
  const $ = (id) => document.getElementById(id);

  let propositions = sortByIndex(cfg.propositions || []);
  let state = null;
  let tally = null;
  let lastSeq = -1;
  let pendingGoto = null; // target of a goto not yet acknowledged
  const busy = new Set(); // command names in flight

  const el = {
    status: $('conn-status'),
    presence: $('presence-count'),
    alert: $('alert'),
    alertText: $('alert-text'),
    alertClose: $('alert-close'),
    label: $('cur-label'),
    phase: $('cur-phase'),
    revealed: $('cur-revealed'),
    text: $('cur-text'),
    voters: $('voters'),
    cmdStatus: $('cmd-status'),
    list: $('prop-list'),
    buttons: Object.fromEntries(Array.from(document.querySelectorAll('[data-command]'), (b) => [b.dataset.command, b])),
    bars: Array.from(document.querySelectorAll('[data-result]'), (row) => ({
      choice: row.dataset.result,
      fill: row.querySelector('.bar-fill'),
      pct: row.querySelector('.bar-pct'),
      count: row.querySelector('.bar-count'),
    })),
  };

  function sortByIndex(list) {
    return list.slice().sort((a, b) => a.index - b.index);
  }

  function currentId() {
    return state && state.proposition ? state.proposition.id : null;
  }

  // The proposition `step` places from the current one (or from a goto still in flight).
  function neighbour(step) {
    const base = pendingGoto !== null ? pendingGoto : currentId();
    if (base === null) return step > 0 && propositions.length ? propositions[0].id : null;
    const at = propositions.findIndex((p) => p.id === base);
    const next = propositions[at + step];
    return at >= 0 && next ? next.id : null;
  }

  // --- alert -------------------------------------------------------------------------

  function showAlert(text) {
    Live.setText(el.alertText, text);
    el.alert.hidden = false;
  }

  function clearAlert() {
    el.alert.hidden = true;
    Live.setText(el.alertText, '');
  }

  function errorText(err) {
    if (err && err.message) return err.message;
    if (err && err.code === 'offline') return S.error_offline;
    if (err && err.code === 'timeout') return S.error_timeout;
    return S.error_generic;
  }

  // --- commands ------------------------------------------------------------------------

  function setBusy(button, on) {
    if (!button) return;
    button.classList.toggle('is-pending', on);
    if (on) button.setAttribute('aria-busy', 'true');
    else button.removeAttribute('aria-busy');
  }

  async function run(name, message, button) {
    if (busy.has(name)) return;
    busy.add(name);
    setBusy(button, true);
    render();
    try {
      await conn.command(message);
      clearAlert();
    } catch (err) {
      showAlert(errorText(err));
    } finally {
      busy.delete(name);
      setBusy(button, false);
      render();
    }
  }

  async function goTo(id, button) {
    if (id === null || pendingGoto !== null) return;
    pendingGoto = id;
    try {
      await run('goto', { type: 'goto', proposition: id }, button);
    } finally {
      pendingGoto = null;
      render();
    }
  }

  function enabled(name) {
    const phase = state ? state.phase : null;
    const hasProposition = currentId() !== null;
    switch (name) {
      case 'prev':
        return neighbour(-1) !== null;
      case 'next':
        return neighbour(1) !== null;
      case 'open':
        return hasProposition && phase !== 'open';
      case 'close':
        return hasProposition && phase === 'open';
      case 'reveal':
        return hasProposition && !state.revealed;
      case 'hide':
        return hasProposition && !!state.revealed;
      default:
        return false;
    }
  }

  function perform(name) {
    if (!state || !enabled(name) || busy.has(name)) return;
    const button = el.buttons[name];
    if (name === 'prev' || name === 'next') goTo(neighbour(name === 'next' ? 1 : -1), button);
    else run(name, { type: name }, button);
  }

  // --- rendering -----------------------------------------------------------------------

  function renderList() {
    const items = propositions.map((p) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'prop-item';
      button.dataset.id = p.id;
      const number = document.createElement('span');
      number.className = 'prop-num';
      number.textContent = num.n(p.index + 1);
      const text = document.createElement('span');
      text.className = 'prop-item-text';
      text.textContent = p.text;
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.hidden = true;
      button.append(number, text, badge);
      button.addEventListener('click', () => {
        if (p.id !== currentId()) goTo(p.id, button);
      });
      li.append(button);
      return li;
    });
    el.list.replaceChildren(...items);
  }

  function render() {
    const prop = state ? state.proposition : null;
    if (prop) {
      let label = Live.format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) });
      if (state.round > 1) label += ' · ' + Live.format(S.round, { n: num.n(state.round) });
      Live.setText(el.label, label);
      Live.setText(el.text, prop.text);
      el.text.classList.toggle('is-long', prop.text.length > 140);
      Live.setText(el.phase, S['phase_' + state.phase] || state.phase);
      el.phase.dataset.phase = state.phase;
      Live.setText(el.revealed, state.revealed ? S.revealed : S.hidden);
      el.revealed.dataset.revealed = String(!!state.revealed);
    } else {
      Live.setText(el.label, S.lobby);
      Live.setText(el.text, '');
    }
    Live.show(el.phase, !!prop);
    Live.show(el.revealed, !!prop);

    for (const [name, button] of Object.entries(el.buttons)) {
      button.setAttribute('aria-disabled', String(!state || !enabled(name)));
    }

    for (const button of el.list.querySelectorAll('.prop-item')) {
      const isCurrent = !!prop && button.dataset.id === prop.id;
      if (isCurrent) button.setAttribute('aria-current', 'step');
      else button.removeAttribute('aria-current');
      const badge = button.querySelector('.badge');
      badge.hidden = !isCurrent;
      if (isCurrent) {
        Live.setText(badge, S['phase_' + state.phase] || state.phase);
        badge.dataset.phase = state.phase;
      }
      button.classList.toggle('is-pending', pendingGoto === button.dataset.id);
    }

    const counts = tally && tally.counts ? tally.counts : {};
    const voters = tally ? tally.voters || 0 : 0;
    for (const bar of el.bars) {
      const count = counts[bar.choice] || 0;
      const pct = Live.share(count, voters);
      bar.fill.style.setProperty('--share', String(pct));
      Live.setText(bar.count, num.n(count));
      Live.setText(bar.pct, num.pct(pct));
    }
    Live.setText(el.voters, num.n(voters));
    Live.setText(el.cmdStatus, busy.size ? S.pending : '');
  }

  function scrollCurrentIntoView() {
    const current = el.list.querySelector('[aria-current]');
    if (current) current.scrollIntoView({ block: 'nearest' });
  }

  // --- messages --------------------------------------------------------------------------

  function onState(msg) {
    if (typeof msg.seq === 'number') {
      if (msg.seq < lastSeq) return;
      lastSeq = msg.seq;
    }
    const before = currentId();
    const beforeRound = state ? state.round : null;
    state = msg;
    if (currentId() !== before || msg.round !== beforeRound) tally = null;
    render();
    if (currentId() !== before) scrollCurrentIntoView();
  }

  function onTally(msg) {
    if (!state || msg.proposition !== currentId()) return;
    if (msg.round != null && msg.round !== state.round) return;
    if (tally && typeof msg.seq === 'number' && typeof tally.seq === 'number' && msg.seq < tally.seq) return;
    tally = msg;
    render();
  }

  function onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        lastSeq = -1;
        if (msg.event && Array.isArray(msg.event.propositions)) {
          propositions = sortByIndex(msg.event.propositions);
          renderList();
        }
        break;
      case 'state':
        onState(msg);
        break;
      case 'tally':
        onTally(msg);
        break;
      case 'presence':
        Live.setText(el.presence, num.n(msg.online || 0));
        break;
      case 'ack':
        break; // a late ack for a command that already timed out
      case 'error':
        showAlert(errorText(msg));
        break;
      default:
        console.error('live: unknown message type', msg.type, msg);
    }
  }

  function onStatus(status) {
    Live.setText(el.status, S['status_' + status] || status);
    el.status.dataset.status = status;
    if (status === 'online' && !el.alert.hidden && el.alertText.textContent === S.error_refused) clearAlert();
  }

  // Several handshakes in a row failed while the server itself answers: the socket is
  // refused, most likely because the moderator session ended (logged out elsewhere).
  function onLost(failures) {
    if (failures !== 3 && failures % 10 !== 0) return;
    fetch('/healthz', { cache: 'no-store' })
      .then((response) => {
        if (response.ok && conn.status !== 'online') showAlert(S.error_refused);
      })
      .catch(() => {});
  }

  // --- input -------------------------------------------------------------------------------

  for (const [name, button] of Object.entries(el.buttons)) {
    button.addEventListener('click', () => perform(name));
  }
  el.alertClose.addEventListener('click', clearAlert);

  let swallowSpaceKeyUp = false;
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest('input, textarea, select, [contenteditable]')) return;
    let action = null;
    switch (event.key) {
      case 'ArrowRight':
      case 'PageDown':
        action = 'next';
        break;
      case 'ArrowLeft':
      case 'PageUp':
        action = 'prev';
        break;
      case ' ':
      case 'Spacebar':
        action = state && state.phase === 'open' ? 'close' : 'open';
        swallowSpaceKeyUp = true; // a focused button would otherwise click on keyup
        break;
      case 'r':
      case 'R':
        action = state && state.revealed ? 'hide' : 'reveal';
        break;
      default:
        return; // not a shortcut: let the browser have it
    }
    event.preventDefault();
    if (event.repeat) return;
    perform(action);
  });
  document.addEventListener('keyup', (event) => {
    if ((event.key === ' ' || event.key === 'Spacebar') && swallowSpaceKeyUp) {
      swallowSpaceKeyUp = false;
      event.preventDefault();
    }
  });

  // keep the laptop awake during the debate where the browser allows it
  let wakeLock = null;
  async function keepAwake() {
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible' || wakeLock) return;
    try {
      wakeLock = await navigator.wakeLock.request('screen');
      wakeLock.addEventListener('release', () => {
        wakeLock = null;
      });
    } catch (err) {
      /* not available (e.g. plain http) */
    }
  }
  document.addEventListener('visibilitychange', keepAwake);
  keepAwake();

  const conn = new LiveConnection({
    path: cfg.ws_path,
    lang: cfg.lang,
    onMessage,
    onStatus,
    onLost,
    onClose: (code) => {
      if (code === 4401 || code === 4403 || code === 1008) showAlert(S.error_refused);
    },
  });
  renderList();
  render();
  conn.start();
})();
