/* live: the projector. Read-only; follows the state, tallies and questions pushed by the
   server: the current proposition and its results, or the question wall.
   F toggles full screen, T the light background. */
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
  let questions = null; // last "questions" message
  let clockOffset = 0; // server clock minus ours
  let countdownTimer = 0;
  const WALL_MAX = 8;

  const el = {
    root: $('screen'),
    connecting: $('connecting'),
    lobby: $('lobby'),
    proposition: $('proposition'),
    label: $('prop-label'),
    round: $('round-badge'),
    text: $('prop-text'),
    manual: $('manual'),
    countdown: $('countdown'),
    marker: $('marker'),
    split: $('split'),
    splitList: $('split-list'),
    equal: $('equal-weight'),
    wall: $('wall'),
    pinned: $('wall-pinned'),
    pinnedText: $('wall-pinned-text'),
    pinnedName: $('wall-pinned-name'),
    pinnedTo: $('wall-pinned-to'),
    wallList: $('wall-list'),
    wallEmpty: $('wall-empty'),
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
    const wall = !!state && state.screen === 'questions';
    Live.show(el.connecting, !state);
    Live.show(el.lobby, !!state && !prop && !wall);
    Live.show(el.proposition, !!prop && !wall);
    Live.show(el.wall, wall);
    el.root.dataset.phase = !state ? 'connecting' : wall ? 'questions' : prop ? state.phase : 'lobby';
    el.root.dataset.revealed = String(!!(state && state.revealed));
    el.root.dataset.split = 'false'; // until revealed results with a split are drawn
    renderCountdown();
    if (wall) {
      renderWall();
      return;
    }
    if (!prop) return;

    Live.setText(el.label, Live.format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) }));
    Live.show(el.round, state.round > 1);
    Live.setText(el.round, state.round > 1 ? Live.format(S.round, { n: num.n(state.round) }) : '');
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
    Live.show(el.manual, !!(tally && tally.manual));

    const appearing = !!counts && el.results.hidden;
    Live.show(el.results, !!counts);
    if (!counts) {
      fitStage();
      return;
    }
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
    renderSplit();
    fitStage();
  }

  // Long proposition, many groups: shrink the proposition until everything fits the screen.
  function fitStage() {
    const box = el.proposition.parentElement;
    const current = parseFloat(el.root.style.getPropertyValue('--fit')) || 1;
    if (current === 1 && el.proposition.offsetHeight <= box.clientHeight) return;
    el.text.classList.add('is-fitting'); // measure final sizes, not a transition's
    let fit = 1;
    el.root.style.setProperty('--fit', '1');
    while (fit > 0.45 && el.proposition.offsetHeight > box.clientHeight) {
      fit -= 0.05;
      el.root.style.setProperty('--fit', fit.toFixed(2));
    }
    void el.text.offsetWidth;
    el.text.classList.remove('is-fitting');
  }

  // --- split by perspective, consensus marker ------------------------------------------

  function renderSplit() {
    const groups = tally.by_perspective && Object.keys(tally.by_perspective).length ? tally.by_perspective : null;
    const marker = tally.marker === 'consensus' || tally.marker === 'divided' ? tally.marker : null;
    const equal = tally.equal_weight || null;
    Live.show(el.split, !!(groups || marker || equal));
    el.root.dataset.split = String(!!groups);
    Live.show(el.marker, !!marker);
    Live.setText(el.marker, marker ? S[marker] : '');
    if (marker) el.marker.dataset.marker = marker;
    Live.show(el.equal, !!equal);
    if (equal) {
      const values = choices().map((choice) => S.labels[choice] + ' ' + num.pct(Math.round(equal[choice] || 0)));
      Live.setText(el.equal, Live.format(S.equal_weight, { values: values.join(' · ') }));
    }
    el.splitList.textContent = '';
    if (!groups) return;
    el.splitList.style.setProperty('--rows', String(Object.keys(groups).length));
    const names = cfg.perspectives.filter((name) => name in groups)
      .concat(Object.keys(groups).filter((name) => !cfg.perspectives.includes(name)));
    for (const name of names) {
      const group = groups[name];
      const row = document.createElement('li');
      row.className = 'split-row';
      const label = document.createElement('span');
      label.className = 'split-name';
      label.textContent = name;
      row.append(label);
      if (!group) {
        const none = document.createElement('span');
        none.className = 'split-none';
        none.textContent = S.too_few;
        row.append(none);
      } else {
        const bar = document.createElement('span');
        bar.className = 'split-bar';
        for (const choice of choices()) {
          const pct = Live.share(group.counts[choice] || 0, group.voters || 0);
          const seg = document.createElement('span');
          seg.className = 'seg bar-' + choice;
          seg.style.setProperty('--share', String(pct));
          // the share in the segment itself when there is room for it
          if (pct >= 12) seg.textContent = num.pct(pct);
          bar.append(seg);
        }
        const voters = document.createElement('span');
        voters.className = 'split-voters';
        voters.textContent = num.count(group.voters || 0, S.votes_one, S.votes_other);
        row.append(bar, voters);
      }
      el.splitList.append(row);
    }
  }

  function choices() {
    return el.bars.map((bar) => bar.choice);
  }

  // --- question wall ----------------------------------------------------------------

  function wallItems() {
    const items = questions && Array.isArray(questions.items) ? questions.items : [];
    const listed = items.filter((item) => item.status === 'visible' && !item.pinned);
    // "balanced": the server already took turns between perspectives; keep its order.
    if (questions && questions.wall === 'balanced') return listed;
    const number = (id) => parseInt(String(id).replace(/\D/g, ''), 10) || 0;
    return listed.sort((a, b) => b.votes - a.votes || number(a.id) - number(b.id));
  }

  function renderWall() {
    const items = questions && Array.isArray(questions.items) ? questions.items : [];
    const pinned = items.find((item) => item.pinned) || null;
    Live.show(el.pinned, !!pinned);
    if (pinned) {
      Live.setText(el.pinnedText, pinned.text);
      el.pinnedText.className = 'wall-pinned-text ' + lengthClass(pinned.text);
      Live.setText(el.pinnedName, pinned.name || '');
      Live.show(el.pinnedName, !!pinned.name);
      Live.setText(el.pinnedTo, pinned.to ? Live.format(S.to, { name: pinned.to }) : '');
      Live.show(el.pinnedTo, !!pinned.to);
    }
    const list = wallItems().slice(0, pinned ? WALL_MAX - 2 : WALL_MAX);
    el.wallList.textContent = '';
    for (const item of list) {
      const li = document.createElement('li');
      li.className = 'wall-item';
      const votes = document.createElement('span');
      votes.className = 'wall-votes';
      votes.textContent = '▲ ' + num.n(item.votes || 0);
      const body = document.createElement('span');
      body.className = 'wall-body';
      const text = document.createElement('span');
      text.className = 'wall-text';
      text.textContent = item.text;
      body.append(text);
      if (item.name || item.to) {
        const meta = document.createElement('span');
        meta.className = 'wall-meta';
        if (item.name) {
          const name = document.createElement('span');
          name.className = 'q-name';
          name.textContent = item.name;
          meta.append(name);
        }
        if (item.to) {
          const to = document.createElement('span');
          to.className = 'q-to';
          to.textContent = Live.format(S.to, { name: item.to });
          meta.append(to);
        }
        body.append(meta);
      }
      li.append(votes, body);
      el.wallList.append(li);
    }
    Live.show(el.wallEmpty, !pinned && !list.length);
    fitWall();
  }

  // Only whole questions: drop the ones that do not fit on the screen.
  function fitWall() {
    const bottom = el.wall.parentElement.getBoundingClientRect().bottom;
    let last = el.wallList.lastElementChild;
    while (last && last.getBoundingClientRect().bottom > bottom + 1) {
      last.remove();
      last = el.wallList.lastElementChild;
    }
  }

  // --- countdown --------------------------------------------------------------------

  function renderCountdown() {
    const deadline = state && state.proposition && state.phase !== 'closed' && state.screen !== 'questions'
      && typeof state.deadline === 'number' ? state.deadline : null;
    Live.show(el.countdown, deadline !== null);
    if (deadline === null) {
      clearInterval(countdownTimer);
      countdownTimer = 0;
      return;
    }
    if (!countdownTimer) countdownTimer = setInterval(renderCountdown, 250);
    const left = Math.max(0, Math.ceil((deadline - (Date.now() + clockOffset)) / 1000));
    Live.setText(el.countdown, left > 0 ? Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') : S.time_up);
    el.countdown.classList.toggle('is-ending', left <= 10);
  }

  function onState(msg) {
    if (typeof msg.seq === 'number') {
      if (msg.seq < lastSeq) return;
      lastSeq = msg.seq;
    }
    const before = state && state.proposition;
    const prop = msg.proposition;
    if (!prop || !before || before.id !== prop.id || state.round !== msg.round) tally = null;
    if (typeof msg.server_time === 'number') clockOffset = msg.server_time - Date.now();
    state = msg;
    render();
  }

  function onTally(msg) {
    const prop = state && state.proposition;
    if (!prop || msg.proposition !== prop.id) return;
    if (msg.round != null && msg.round !== state.round) return;
    if (tally && typeof msg.seq === 'number' && typeof tally.seq === 'number' && msg.seq < tally.seq) return;
    tally = msg;
    if (state.screen !== 'questions') render();
  }

  function onQuestions(msg) {
    const seen = questions && typeof questions.seq === 'number' ? questions.seq : -1;
    if (typeof msg.seq === 'number' && msg.seq < seen) return;
    questions = msg;
    if (state && state.screen === 'questions') render();
  }

  function onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        lastSeq = -1;
        questions = null;
        if (msg.event && Array.isArray(msg.event.perspectives)) cfg.perspectives = msg.event.perspectives;
        break;
      case 'state':
        onState(msg);
        break;
      case 'tally':
        onTally(msg);
        break;
      case 'questions':
        onQuestions(msg);
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
    } else if (event.key === 't' || event.key === 'T') {
      event.preventDefault();
      setTheme(!document.body.classList.contains('theme-light'));
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
  window.addEventListener('resize', () => {
    if (state) render();
  });
  cfg.perspectives = cfg.perspectives || [];

  const conn = new LiveConnection({ path: cfg.ws_path, lang: cfg.lang, onMessage });
  conn.start();
  render();
})();
