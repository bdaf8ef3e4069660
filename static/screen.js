/* live: the projector. Read-only; follows the state and tallies pushed by the server.
   F toggles full screen. */
(() => {
  'use strict';
  const { Live, LiveConnection } = window;
  const cfg = Live.config();
  const S = cfg.strings;
  const num = Live.numbers(cfg.lang);
  const $ = (id) => document.getElementById(id);

  let state = null;
  let tally = null; // latest tally for the current proposition and round
  let lastSeq = -1;
  let shownText = null;

  const el = {
    root: $('screen'),
    connecting: $('connecting'),
    lobby: $('lobby'),
    proposition: $('proposition'),
    label: $('prop-label'),
    text: $('prop-text'),
    phase: $('phase-text'),
    count: $('vote-count'),
    results: $('results'),
    theme: $('theme-toggle'),
    fullscreen: $('fullscreen-toggle'),
    bars: Array.from(document.querySelectorAll('[data-result]'), (row) => ({
      choice: row.dataset.result,
      fill: row.querySelector('.bar-fill'),
      pct: row.querySelector('.bar-pct'),
      count: row.querySelector('.bar-count'),
    })),
  };

  function lengthClass(text) {
    if (text.length > 380) return 'is-huge';
    if (text.length > 260) return 'is-very-long';
    if (text.length > 140) return 'is-long';
    return '';
  }

  function render() {
    const prop = state ? state.proposition : null;
    Live.show(el.connecting, !state);
    Live.show(el.lobby, !!state && !prop);
    Live.show(el.proposition, !!prop);
    el.root.dataset.phase = !state ? 'connecting' : prop ? state.phase : 'lobby';
    el.root.dataset.revealed = String(!!(state && state.revealed));
    if (!prop) return;

    Live.setText(el.label, Live.format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) }));
    if (shownText !== prop.id + '\n' + prop.text) {
      shownText = prop.id + '\n' + prop.text;
      el.text.textContent = prop.text;
      el.text.className = 'prop-text ' + lengthClass(prop.text);
      // restart the entrance animation
      void el.text.offsetWidth;
      el.text.classList.add('enter');
    }

    const counts = state.revealed && tally ? tally.counts : null;
    let phase = S.waiting;
    if (state.phase === 'open') phase = S.open;
    else if (state.phase === 'closed') phase = counts ? S.closed : S.closed_hidden;
    Live.setText(el.phase, phase);

    const voters = tally ? tally.voters || 0 : 0;
    Live.setText(el.count, state.phase === 'waiting' && !voters ? '' : num.count(voters, S.votes_one, S.votes_other));

    const appearing = !!counts && el.results.hidden;
    Live.show(el.results, !!counts);
    if (!counts) return;
    if (appearing) {
      // grow the bars from zero: commit width 0 before setting the real share
      for (const bar of el.bars) bar.fill.style.setProperty('--share', '0');
      void el.results.offsetWidth;
    }
    for (const bar of el.bars) {
      const count = counts[bar.choice] || 0;
      const pct = Live.share(count, voters);
      bar.fill.style.setProperty('--share', String(pct));
      Live.setText(bar.pct, num.pct(pct));
      Live.setText(bar.count, '(' + num.n(count) + ')');
    }
  }

  function onState(msg) {
    if (typeof msg.seq === 'number') {
      if (msg.seq < lastSeq) return;
      lastSeq = msg.seq;
    }
    const before = state && state.proposition;
    const prop = msg.proposition;
    if (!prop || !before || before.id !== prop.id || state.round !== msg.round) tally = null;
    state = msg;
    render();
  }

  function onTally(msg) {
    const prop = state && state.proposition;
    if (!prop || msg.proposition !== prop.id) return;
    if (msg.round != null && msg.round !== state.round) return;
    if (tally && typeof msg.seq === 'number' && typeof tally.seq === 'number' && msg.seq < tally.seq) return;
    tally = msg;
    render();
  }

  function onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        lastSeq = -1;
        break;
      case 'state':
        onState(msg);
        break;
      case 'tally':
        onTally(msg);
        break;
      case 'presence':
      case 'ack':
        break;
      case 'error':
        console.warn('live: server error', msg);
        break;
      default:
        console.error('live: unknown message type', msg.type, msg);
    }
  }

  // --- full screen, theme, screen wake lock ------------------------------------------

  function toggleFullscreen() {
    const root = document.documentElement;
    if (document.fullscreenElement || document.webkitFullscreenElement) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else {
      const request = root.requestFullscreen || root.webkitRequestFullscreen;
      if (request) {
        const result = request.call(root);
        if (result && result.catch) result.catch((err) => console.warn('live: full screen refused', err));
      }
    }
  }

  function setTheme(light) {
    document.body.classList.toggle('theme-light', light);
    el.theme.setAttribute('aria-pressed', String(light));
    Live.store.set('live:screen-theme', light ? 'light' : 'dark');
  }

  const wanted = new URLSearchParams(location.search).get('theme') || Live.store.get('live:screen-theme', 'dark');
  setTheme(wanted === 'light');
  el.theme.addEventListener('click', () => setTheme(!document.body.classList.contains('theme-light')));
  el.fullscreen.addEventListener('click', toggleFullscreen);
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest && event.target.closest('input, textarea, select')) return;
    if (event.key === 'f' || event.key === 'F') {
      event.preventDefault();
      toggleFullscreen();
    }
  });

  let wakeLock = null;
  async function keepAwake() {
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible' || wakeLock) return;
    try {
      wakeLock = await navigator.wakeLock.request('screen');
      wakeLock.addEventListener('release', () => {
        wakeLock = null;
      });
    } catch (err) {
      /* not allowed here (e.g. plain http); the projector setup has to keep the screen on */
    }
  }
  document.addEventListener('visibilitychange', keepAwake);
  keepAwake();

  const conn = new LiveConnection({ path: cfg.ws_path, lang: cfg.lang, onMessage });
  conn.start();
  render();
})();
