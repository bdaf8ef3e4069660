/* live: the audience's phone. Two tabs: "vote" shows the current proposition and takes
   one vote per proposition; "questions" asks questions and upvotes others'.
   A vote is shown at once ("sending"), kept in localStorage until the server
   acknowledges it, and re-sent (same id) after every reconnect. */
(() => {
  'use strict';
  const { Live, LiveConnection } = window;
  const cfg = Live.config();
  const S = cfg.strings;
  const num = Live.numbers(cfg.lang);
  const $ = (id) => document.getElementById(id);

  const KEYS = {
    votes: 'live:votes:' + cfg.code, // "propositionId:round" -> confirmed choice
    outbox: 'live:outbox:' + cfg.code, // propositionId -> {id, choice, round}: not yet acknowledged
    participant: 'live:participant:' + cfg.code,
    skipped: 'live:perspective-skipped:' + cfg.code, // the participant declined the perspective prompt
    asked: 'live:asked:' + cfg.code, // ids of this participant's questions
    tab: 'live:tab:' + cfg.code,
  };
  let votes = Live.store.get(KEYS.votes, {}) || {};
  let outbox = Live.store.get(KEYS.outbox, {}) || {};

  let state = null; // last "state" message
  let tally = null; // last tally (with counts) for the current proposition and round
  let lastSeq = -1;
  let notice = ''; // an error to show in the status line until the next vote or proposition
  let flushAfterState = false;
  let retryTimer = 0;

  const el = {
    connecting: $('connecting'),
    lobby: $('lobby'),
    proposition: $('proposition'),
    label: $('prop-label'),
    round: $('round-badge'),
    text: $('prop-text'),
    panel: $('vote-panel'),
    status: $('status'),
    countdown: $('countdown'),
    countdownSr: $('countdown-sr'),
    results: $('results'),
    voters: $('voters'),
    marker: $('marker'),
    split: $('split'),
    splitList: $('split-list'),
    equal: $('equal-weight'),
    buttons: Array.from(document.querySelectorAll('[data-choice]')),
    bars: Array.from(document.querySelectorAll('[data-result]'), (row) => ({
      choice: row.dataset.result,
      fill: row.querySelector('.bar-fill'),
      pct: row.querySelector('.bar-pct'),
      count: row.querySelector('.bar-count'),
    })),
    tabs: Array.from(document.querySelectorAll('[role=tab]')),
    voteDot: $('vote-dot'),
    perspPrompt: $('persp-prompt'),
    perspCurrent: $('persp-current'),
    perspChange: $('persp-change'),
    perspSkip: $('persp-skip'),
    perspClear: $('persp-clear'),
    perspError: $('persp-error'),
    perspOptions: Array.from(document.querySelectorAll('[data-perspective]')),
    askForm: $('ask-form'),
    askText: $('ask-text'),
    askCount: $('ask-count'),
    askName: $('ask-name'),
    askTo: $('ask-to'),
    askSend: $('ask-send'),
    askStatus: $('ask-status'),
    qList: $('q-list'),
    qEmpty: $('q-empty'),
    qNotice: $('q-notice'),
    sorts: Array.from(document.querySelectorAll('[data-sort]')),
  };

  function save() {
    Live.store.set(KEYS.votes, votes);
    Live.store.set(KEYS.outbox, outbox);
  }

  function current() {
    return state && state.proposition ? state.proposition : null;
  }

  function pendingVote() {
    const prop = current();
    const entry = prop && outbox[prop.id];
    return entry && entry.round === state.round ? entry : null;
  }

  function shownChoice() {
    const prop = current();
    if (!prop) return null;
    const entry = pendingVote();
    return entry ? entry.choice : votes[prop.id + ':' + state.round] || null;
  }

  function statusText() {
    if (pendingVote()) return conn.status === 'online' ? S.sending : S.queued;
    if (notice) return notice;
    if (state.phase === 'waiting') return S.not_open;
    if (state.phase === 'closed') return S.closed;
    return shownChoice() ? S.received : S.prompt;
  }

  function render() {
    const prop = current();
    Live.show(el.connecting, !state);
    Live.show(el.lobby, !!state && !prop);
    Live.show(el.proposition, !!prop);
    Live.show(el.panel, !!prop);
    if (prop) {
      Live.setText(el.label, Live.format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) }));
      Live.show(el.round, state.round > 1);
      Live.setText(el.round, state.round > 1 ? Live.format(S.round, { n: num.n(state.round) }) : '');
      Live.setText(el.text, prop.text);
      el.text.classList.toggle('is-long', prop.text.length > 140);
      const open = state.phase === 'open';
      const chosen = shownChoice();
      const sending = !!pendingVote();
      for (const button of el.buttons) {
        const selected = button.dataset.choice === chosen;
        button.setAttribute('aria-pressed', String(selected));
        button.setAttribute('aria-disabled', String(!open));
        button.classList.toggle('is-sending', selected && sending);
      }
      el.panel.dataset.phase = state.phase;
      Live.setText(el.status, statusText());
    }
    placePanel();
    // A dot on the vote tab while someone is reading questions and can still vote.
    Live.show(el.voteDot, !!prop && state.phase === 'open' && !shownChoice() && tab !== 'vote');
    renderCountdown();
    renderResults();
  }

  // The vote buttons stay pinned to the bottom of the screen only while the start of the
  // proposition still shows above them; with large text or a phone held sideways they would
  // cover it, and then they follow it instead.
  function placePanel() {
    if (el.panel.hidden) return;
    const line = parseFloat(getComputedStyle(el.text).lineHeight) || 32;
    const top = el.text.getBoundingClientRect().top + window.scrollY;
    el.panel.classList.toggle('is-unpinned', window.innerHeight - el.panel.offsetHeight < top + 2 * line);
  }
  if (window.ResizeObserver) {
    const watch = new ResizeObserver(placePanel);
    watch.observe(el.panel);
    watch.observe(el.text);
  }
  window.addEventListener('resize', placePanel);

  // --- results ------------------------------------------------------------------------

  function splitText(counts, voters) {
    return cfg.choices.map((choice) => S.labels[choice] + ' ' + num.pct(Live.share(counts[choice] || 0, voters)))
      .join(' · ');
  }

  function renderSplit(byPerspective) {
    const names = cfg.perspectives.filter((name) => name in byPerspective)
      .concat(Object.keys(byPerspective).filter((name) => !cfg.perspectives.includes(name)));
    el.splitList.textContent = '';
    for (const name of names) {
      const group = byPerspective[name];
      const row = document.createElement('li');
      row.className = 'split-row';
      const head = document.createElement('span');
      head.className = 'split-name';
      head.textContent = name;
      row.append(head);
      if (!group) {
        const none = document.createElement('span');
        none.className = 'split-none';
        none.textContent = S.too_few;
        row.append(none);
      } else {
        const voters = group.voters || 0;
        const count = document.createElement('span');
        count.className = 'split-voters';
        count.textContent = num.count(voters, S.votes_one, S.votes_other);
        head.append(' ', count);
        const bar = document.createElement('span');
        bar.className = 'split-bar';
        bar.setAttribute('aria-hidden', 'true');
        for (const choice of cfg.choices) {
          const seg = document.createElement('span');
          seg.className = 'seg bar-' + choice;
          seg.style.setProperty('--share', String(Live.share(group.counts[choice] || 0, voters)));
          bar.append(seg);
        }
        const text = document.createElement('span');
        text.className = 'split-text';
        text.textContent = splitText(group.counts, voters);
        row.append(bar, text);
      }
      el.splitList.append(row);
    }
  }

  function renderResults() {
    const counts = current() && state.revealed && tally ? tally.counts : null;
    const appearing = !!counts && el.results.hidden;
    Live.show(el.results, !!counts);
    if (!counts) return;
    if (appearing) {
      // grow the bars from zero, and bring them into view on a small screen
      for (const bar of el.bars) bar.fill.style.setProperty('--share', '0');
      void el.results.offsetWidth;
      el.results.scrollIntoView({ block: 'nearest' });
    }
    const voters = typeof tally.voters === 'number' ? tally.voters : Object.values(counts).reduce((a, b) => a + b, 0);
    for (const bar of el.bars) {
      const count = counts[bar.choice] || 0;
      const pct = Live.share(count, voters);
      bar.fill.style.setProperty('--share', String(pct));
      Live.setText(bar.pct, num.pct(pct));
      Live.setText(bar.count, '(' + num.n(count) + ')');
    }
    let line = num.count(voters, S.votes_one, S.votes_other);
    if (tally.manual) line += ' · ' + S.manual;
    Live.setText(el.voters, line);

    const marker = tally.marker === 'consensus' || tally.marker === 'divided' ? tally.marker : null;
    Live.show(el.marker, !!marker);
    Live.setText(el.marker, marker ? S[marker] : '');
    if (marker) el.marker.dataset.marker = marker;

    const split = tally.by_perspective && Object.keys(tally.by_perspective).length ? tally.by_perspective : null;
    Live.show(el.split, !!split);
    if (split) renderSplit(split);
    const equal = tally.equal_weight;
    Live.show(el.equal, !!equal);
    if (equal) {
      const values = cfg.choices.map((choice) => S.labels[choice] + ' ' + num.pct(Math.round(equal[choice] || 0)));
      Live.setText(el.equal, Live.format(S.equal_weight, { values: values.join(' · ') }));
    }
  }

  // --- countdown ----------------------------------------------------------------------

  let clockOffset = 0; // server clock minus ours, from the last state
  let countdownTimer = 0;
  let lastSpoken = null;

  function clock(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m + ':' + String(s).padStart(2, '0');
  }

  function renderCountdown() {
    const deadline = state && current() && state.phase === 'open' && typeof state.deadline === 'number'
      ? state.deadline : null;
    Live.show(el.countdown, deadline !== null);
    if (deadline === null) {
      clearInterval(countdownTimer);
      countdownTimer = 0;
      lastSpoken = null;
      Live.setText(el.countdownSr, '');
      return;
    }
    if (!countdownTimer) countdownTimer = setInterval(renderCountdown, 250);
    const left = Math.max(0, Math.ceil((deadline - (Date.now() + clockOffset)) / 1000));
    Live.setText(el.countdown, left > 0 ? Live.format(S.countdown, { time: clock(left) }) : S.time_up);
    el.countdown.classList.toggle('is-ending', left <= 10);
    // Screen readers hear it every ten seconds only.
    const step = Math.ceil(left / 10) * 10;
    if (lastSpoken === null) lastSpoken = step;
    else if (left % 10 === 0 && left !== lastSpoken) {
      lastSpoken = left;
      Live.setText(el.countdownSr, left > 0 ? Live.format(S.countdown_sr, { count: num.n(left) }) : S.time_up);
    }
  }

  // --- voting -------------------------------------------------------------------------

  const sentAt = new Map(); // vote id -> when it last went out (this page load)

  function sendVote(propositionId, entry) {
    if (conn.send({ type: 'vote', proposition: propositionId, choice: entry.choice, id: entry.id })) {
      sentAt.set(entry.id, Date.now());
    }
  }

  function flush() {
    for (const [propositionId, entry] of Object.entries(outbox)) sendVote(propositionId, entry);
  }

  function retryLater() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = 0;
      flush();
    }, 2000 + Math.random() * 3000);
  }

  function choose(choice) {
    const prop = current();
    if (!prop || state.phase !== 'open' || !cfg.choices.includes(choice)) return;
    const entry = pendingVote();
    if (entry ? entry.choice === choice : shownChoice() === choice) return;
    // Latest wins: one pending vote per proposition, replaced by a new tap.
    outbox[prop.id] = { id: Live.newId(), choice, round: state.round };
    notice = '';
    save();
    sendVote(prop.id, outbox[prop.id]);
    render();
  }

  function findOutbox(id) {
    if (id == null) return null;
    for (const [propositionId, entry] of Object.entries(outbox)) {
      if (entry.id === id) return { propositionId, entry };
    }
    return null;
  }

  function onState(msg) {
    if (typeof msg.seq === 'number') {
      if (msg.seq < lastSeq) return; // an older snapshot overtaken by a newer one
      lastSeq = msg.seq;
    }
    if (typeof msg.server_time === 'number') clockOffset = msg.server_time - Date.now();
    const before = current();
    const beforeRound = state ? state.round : null;
    state = msg;
    const prop = current();
    if (!prop || !before || before.id !== prop.id || beforeRound !== msg.round) {
      tally = null;
      notice = '';
    }
    if (prop) {
      const entry = outbox[prop.id];
      if ('my_vote' in msg) {
        // The server's memory wins over ours.
        const key = prop.id + ':' + msg.round;
        if (msg.my_vote) votes[key] = msg.my_vote;
        else delete votes[key];
        if (entry && entry.round === msg.round && entry.choice === msg.my_vote) delete outbox[prop.id];
      }
      // A vote waiting from an earlier round must not count in this one.
      if (entry && entry.round !== msg.round) delete outbox[prop.id];
      save();
    }
    if ('my_perspective' in msg) {
      perspective.known = true;
      perspective.value = msg.my_perspective;
    }
    if (flushAfterState) {
      flushAfterState = false;
      flush();
    }
    render();
    renderPerspective();
  }

  function onTally(msg) {
    const prop = current();
    if (!prop || msg.proposition !== prop.id) return;
    if (msg.round != null && msg.round !== state.round) return;
    if (!msg.counts) return;
    if (tally && typeof msg.seq === 'number' && typeof tally.seq === 'number' && msg.seq < tally.seq) return;
    tally = msg;
    renderResults();
  }

  function onAck(msg) {
    const found = findOutbox(msg.id);
    if (!found) return; // superseded by a later tap, or not a vote
    const { propositionId, entry } = found;
    votes[propositionId + ':' + entry.round] = entry.choice;
    delete outbox[propositionId];
    save();
    render();
  }

  function onError(msg) {
    const found = findOutbox(msg.id);
    if (found) {
      if (msg.code === 'retry_later' || msg.code === 'rate_limited') {
        retryLater(); // keep it; the latest tap still has to arrive
        return;
      }
      delete outbox[found.propositionId];
      save();
      const prop = current();
      if (prop && prop.id === found.propositionId) notice = msg.message || S.failed;
      render();
      return;
    }
    console.warn('live: server error', msg);
    // Over the rate limit the server drops frames and says so without an id: try again.
    if (msg.code === 'rate_limited' || msg.code === 'retry_later') retryLater();
  }

  // Text of a failed command: the server's message, or ours when nothing came back.
  function failure(err) {
    return (err && err.message) || S.offline;
  }

  // --- tabs ---------------------------------------------------------------------------

  let tab = Live.store.get(KEYS.tab, 'vote') === 'questions' ? 'questions' : 'vote';

  function selectTab(name, focus) {
    tab = name;
    Live.store.set(KEYS.tab, name);
    for (const button of el.tabs) {
      const selected = button.dataset.tab === name;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      Live.show($(button.getAttribute('aria-controls')), selected);
      if (selected && focus) button.focus();
    }
    if (state) render();
  }

  for (const button of el.tabs) {
    button.addEventListener('click', () => selectTab(button.dataset.tab, false));
    button.addEventListener('keydown', (event) => {
      const index = el.tabs.indexOf(button);
      let next = null;
      if (event.key === 'ArrowRight') next = (index + 1) % el.tabs.length;
      else if (event.key === 'ArrowLeft') next = (index - 1 + el.tabs.length) % el.tabs.length;
      else if (event.key === 'Home') next = 0;
      else if (event.key === 'End') next = el.tabs.length - 1;
      if (next === null) return;
      event.preventDefault();
      selectTab(el.tabs[next].dataset.tab, true);
    });
  }

  // --- perspective --------------------------------------------------------------------

  const perspective = {
    known: false, // the server told us (state.my_perspective)
    value: null,
    open: false, // the prompt is shown
    asked: false, // shown once on joining
    pending: false,
  };

  function renderPerspective() {
    if (!el.perspPrompt || !cfg.perspectives.length || !perspective.known) return;
    if (!perspective.asked) {
      perspective.asked = true;
      if (perspective.value === null && !Live.store.get(KEYS.skipped, false)) perspective.open = true;
    }
    Live.show(el.perspPrompt, perspective.open);
    Live.show(el.perspChange, !perspective.open);
    Live.setText(el.perspCurrent, perspective.value === null ? S.no_perspective : perspective.value);
    el.perspChange.classList.toggle('is-none', perspective.value === null);
    for (const button of el.perspOptions) {
      button.setAttribute('aria-pressed', String(button.dataset.perspective === perspective.value));
      button.classList.toggle('is-pending', perspective.pending === button.dataset.perspective);
    }
    // First time: "Skip". When changing a chosen perspective: withdraw it.
    Live.show(el.perspSkip, perspective.value === null);
    Live.show(el.perspClear, perspective.value !== null);
  }

  async function choosePerspective(value) {
    if (perspective.pending !== false) return;
    if (value === perspective.value) {
      perspective.open = false;
      renderPerspective();
      return;
    }
    perspective.pending = value;
    Live.setText(el.perspError, '');
    renderPerspective();
    try {
      const ack = await conn.command({ type: 'perspective', value });
      perspective.value = 'perspective' in ack ? ack.perspective : value;
      perspective.open = false;
    } catch (err) {
      Live.setText(el.perspError, failure(err));
    }
    perspective.pending = false;
    renderPerspective();
  }

  if (el.perspPrompt) {
    for (const button of el.perspOptions) {
      button.addEventListener('click', () => choosePerspective(button.dataset.perspective));
    }
    el.perspSkip.addEventListener('click', () => {
      Live.store.set(KEYS.skipped, true);
      perspective.open = false;
      Live.setText(el.perspError, '');
      renderPerspective();
      el.perspChange.focus();
    });
    el.perspClear.addEventListener('click', () => {
      Live.store.set(KEYS.skipped, true);
      choosePerspective(null);
    });
    el.perspChange.addEventListener('click', () => {
      perspective.open = true;
      Live.setText(el.perspError, '');
      renderPerspective();
      el.perspPrompt.querySelector('button:not([hidden])').focus();
    });
  }

  // --- questions ----------------------------------------------------------------------

  let questions = []; // items of the last "questions" message
  let questionsSeq = -1;
  let sortBy = 'votes';
  const upvoted = new Set();
  const upPending = new Set();
  const asked = new Set(Live.store.get(KEYS.asked, []) || []);
  const rows = new Map(); // question id -> {li, parts}
  let asking = false;

  const qNumber = (id) => parseInt(String(id).replace(/\D/g, ''), 10) || 0;

  function sorted() {
    const items = questions.slice();
    if (sortBy === 'time') return items.sort((a, b) => qNumber(b.id) - qNumber(a.id));
    // Your waiting questions first, then the open ones by votes, answered ones last.
    const rank = (item) => (item.status === 'waiting' ? 0 : item.status === 'answered' ? 2 : 1);
    return items.sort((a, b) => rank(a) - rank(b) || b.votes - a.votes || qNumber(b.id) - qNumber(a.id));
  }

  function makeRow() {
    const li = document.createElement('li');
    li.className = 'q-item';
    const body = document.createElement('div');
    body.className = 'q-body';
    const text = document.createElement('p');
    text.className = 'q-text';
    const meta = document.createElement('p');
    meta.className = 'q-meta';
    const name = document.createElement('span');
    name.className = 'q-name';
    const to = document.createElement('span');
    to.className = 'q-to';
    const badge = document.createElement('span');
    badge.className = 'q-badge';
    const mine = document.createElement('span');
    mine.className = 'q-mine';
    mine.textContent = S.mine;
    meta.append(name, to, mine, badge);
    body.append(text, meta);
    const up = document.createElement('button');
    up.type = 'button';
    up.className = 'q-up';
    const label = document.createElement('span');
    label.className = 'visually-hidden';
    label.textContent = S.upvote + ': ';
    const arrow = document.createElement('span');
    arrow.className = 'q-arrow';
    arrow.setAttribute('aria-hidden', 'true');
    arrow.textContent = '▲';
    const count = document.createElement('span');
    count.className = 'q-votes';
    up.append(label, arrow, count);
    up.addEventListener('click', () => toggleUpvote(li.dataset.id));
    li.append(body, up);
    return { li, text, name, to, badge, mine, up, count };
  }

  function renderQuestions() {
    const focused = document.activeElement;
    const items = sorted();
    const seen = new Set();
    items.forEach((item, index) => {
      seen.add(item.id);
      let row = rows.get(item.id);
      if (!row) {
        row = makeRow();
        row.li.dataset.id = item.id;
        rows.set(item.id, row);
      }
      Live.setText(row.text, item.text);
      Live.setText(row.name, item.name || S.anonymous);
      row.name.classList.toggle('is-anonymous', !item.name);
      Live.show(row.to, !!item.to);
      Live.setText(row.to, item.to ? Live.format(S.to, { name: item.to }) : '');
      Live.show(row.mine, asked.has(item.id));
      const badge = item.status === 'waiting' ? S.waiting : item.status === 'answered' ? S.answered : '';
      Live.show(row.badge, !!badge);
      Live.setText(row.badge, badge);
      row.li.dataset.status = item.status;
      // Only listed questions can be upvoted; your waiting ones cannot yet.
      Live.show(row.up, item.status !== 'waiting');
      row.up.setAttribute('aria-pressed', String(upvoted.has(item.id)));
      row.up.classList.toggle('is-pending', upPending.has(item.id));
      Live.setText(row.count, num.n(item.votes || 0));
      if (el.qList.children[index] !== row.li) el.qList.insertBefore(row.li, el.qList.children[index] || null);
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    Live.show(el.qEmpty, !items.length);
    if (focused && focused !== document.activeElement && focused.isConnected) focused.focus({ preventScroll: true });
  }

  function onQuestions(msg) {
    if (typeof msg.seq === 'number') {
      // a snapshot after (re)connecting may repeat the same seq, with `upvoted`
      if (msg.seq < questionsSeq) return;
      questionsSeq = msg.seq;
    }
    questions = Array.isArray(msg.items) ? msg.items : [];
    if (Array.isArray(msg.upvoted)) {
      upvoted.clear();
      for (const id of msg.upvoted) upvoted.add(id);
    }
    renderQuestions();
  }

  async function toggleUpvote(id) {
    if (!id || upPending.has(id)) return;
    const on = !upvoted.has(id);
    // Pressed at once; the count follows the server's answer.
    if (on) upvoted.add(id);
    else upvoted.delete(id);
    upPending.add(id);
    Live.setText(el.qNotice, '');
    renderQuestions();
    try {
      const ack = await conn.command({ type: 'upvote', question: id, on });
      const item = questions.find((q) => q.id === id);
      if (item && typeof ack.votes === 'number') item.votes = ack.votes;
      const now = 'on' in ack ? ack.on : on;
      if (now) upvoted.add(id);
      else upvoted.delete(id);
    } catch (err) {
      if (on) upvoted.delete(id);
      else upvoted.add(id);
      Live.setText(el.qNotice, failure(err));
    }
    upPending.delete(id);
    renderQuestions();
  }

  function updateCounter() {
    const length = Array.from(el.askText.value).length; // characters, not UTF-16 units
    Live.setText(el.askCount, num.n(length) + '/' + num.n(cfg.max_question));
    const over = length > cfg.max_question;
    el.askCount.classList.toggle('is-over', over);
    if (over) el.askText.setAttribute('aria-invalid', 'true');
    else el.askText.removeAttribute('aria-invalid');
  }

  function setAskStatus(text, isError) {
    Live.setText(el.askStatus, text);
    el.askStatus.classList.toggle('is-error', !!isError);
  }

  async function ask(event) {
    event.preventDefault();
    if (asking) return;
    asking = true;
    el.askSend.setAttribute('aria-disabled', 'true');
    el.askSend.classList.add('is-pending');
    setAskStatus(S.sending, false);
    const message = { type: 'ask', text: el.askText.value, name: el.askName.value.trim() || null };
    if (el.askTo && el.askTo.value) message.to = el.askTo.value;
    try {
      const ack = await conn.command(message);
      if (ack.question) {
        asked.add(ack.question);
        Live.store.set(KEYS.asked, Array.from(asked).slice(-50));
      }
      el.askText.value = '';
      if (el.askTo) el.askTo.value = '';
      updateCounter();
      setAskStatus(ack.status === 'waiting' ? S.asked_waiting : S.asked_visible, false);
      renderQuestions();
    } catch (err) {
      setAskStatus(failure(err), true);
      el.askText.focus();
    }
    asking = false;
    el.askSend.removeAttribute('aria-disabled');
    el.askSend.classList.remove('is-pending');
  }

  el.askForm.addEventListener('submit', ask);
  el.askText.addEventListener('input', updateCounter);
  for (const button of el.sorts) {
    button.addEventListener('click', () => {
      sortBy = button.dataset.sort;
      for (const other of el.sorts) other.setAttribute('aria-pressed', String(other === button));
      renderQuestions();
    });
  }

  // --- messages -----------------------------------------------------------------------

  function onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        if (msg.participant) Live.store.set(KEYS.participant, msg.participant);
        if (msg.event && Array.isArray(msg.event.choices)) cfg.choices = msg.event.choices;
        if (msg.event && Array.isArray(msg.event.perspectives)) cfg.perspectives = msg.event.perspectives;
        lastSeq = -1;
        questionsSeq = -1;
        flushAfterState = true;
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
      case 'ack':
        onAck(msg);
        break;
      case 'error':
        onError(msg);
        break;
      case 'presence':
        break;
      default:
        console.error('live: unknown message type', msg.type, msg);
    }
  }

  // A vote that got no answer (a lost frame) goes out again; the server keeps the latest.
  setInterval(() => {
    const now = Date.now();
    for (const [propositionId, entry] of Object.entries(outbox)) {
      if (now - (sentAt.get(entry.id) || 0) > 8000) sendVote(propositionId, entry);
    }
  }, 4000);

  cfg.choices = el.buttons.map((button) => button.dataset.choice);
  cfg.perspectives = cfg.perspectives || [];
  for (const button of el.buttons) {
    button.addEventListener('click', () => choose(button.dataset.choice));
  }

  const conn = new LiveConnection({
    path: cfg.ws_path,
    lang: cfg.lang,
    onMessage,
    onStatus: () => {
      if (state) render();
    },
    params: () => {
      const token = Live.store.get(KEYS.participant, null);
      return token ? { participant: token } : null;
    },
  });
  selectTab(tab, false);
  updateCounter();
  conn.start();
  render();
})();
