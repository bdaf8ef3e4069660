/* live: the audience's phone. Shows the current proposition and takes one vote per
   proposition. A vote is shown at once ("sending"), kept in localStorage until the
   server acknowledges it, and re-sent (same id) after every reconnect. */
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
    text: $('prop-text'),
    panel: $('vote-panel'),
    status: $('status'),
    results: $('results'),
    voters: $('voters'),
    buttons: Array.from(document.querySelectorAll('[data-choice]')),
    bars: Array.from(document.querySelectorAll('[data-result]'), (row) => ({
      choice: row.dataset.result,
      fill: row.querySelector('.bar-fill'),
      pct: row.querySelector('.bar-pct'),
      count: row.querySelector('.bar-count'),
    })),
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
    renderResults();
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
    Live.setText(el.voters, num.count(voters, S.votes_one, S.votes_other));
  }

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
    if (flushAfterState) {
      flushAfterState = false;
      flush();
    }
    render();
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

  function onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        if (msg.participant) Live.store.set(KEYS.participant, msg.participant);
        if (msg.event && Array.isArray(msg.event.choices)) cfg.choices = msg.event.choices;
        lastSeq = -1;
        flushAfterState = true;
        break;
      case 'state':
        onState(msg);
        break;
      case 'tally':
        onTally(msg);
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
  conn.start();
  render();
})();
