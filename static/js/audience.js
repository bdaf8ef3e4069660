/* live: the audience's phone. Two tabs: "vote" shows the current proposition and takes
   one vote per proposition; "questions" (audience-questions.js) asks questions and upvotes
   others'. A vote is shown at once ("sending"), kept in localStorage until the server
   acknowledges it, and re-sent (same id) after every reconnect. The votes (Ballot) and the
   perspective prompt live in this file rather than modules of their own: every module the
   phone loads costs it ~300 B of headers (docs/performance.md, the phone page's weight);
   the questions tab's module is fetched when the tab is first opened (see "questions tab"). */
import {
  LiveConnection, LONG, clock, config, dispatch, drawBars, drawSplitList, equalWeightText, followPerspectives, format,
  growFromZero, markerOf, newId, numbers, readBars, secondsLeft, sequence, setText, show, stageElements, store,
} from './connection.js';

const cfg = config();
const S = cfg.strings;
const num = numbers(cfg.lang);
const $ = (id) => document.getElementById(id);

const KEYS = {
  participant: 'live:participant:' + cfg.code,
  skipped: 'live:perspective-skipped:' + cfg.code, // the participant declined the perspective prompt
  asked: 'live:asked:' + cfg.code, // ids of this participant's questions
  tab: 'live:tab:' + cfg.code,
};

let state = null; // last "state" message
let tally = null; // last tally (with counts) for the current proposition and round
const stateSeq = sequence();
const tallySeq = sequence(); // since the current proposition and round
let notice = ''; // an error to show in the status line until the next vote or proposition
let flushAfterState = false;

const el = {
  ...stageElements(),
  panel: $('vote-panel'),
  status: $('status'),
  countdown: $('countdown'),
  countdownSr: $('countdown-sr'),
  announce: $('announce'),
  results: $('results'),
  voters: $('voters'),
  myShift: $('my-shift'),
  marker: $('marker'),
  split: $('split'),
  splitList: $('split-list'),
  equal: $('equal-weight'),
  buttons: Array.from(document.querySelectorAll('[data-choice]')),
  bars: readBars(),
  tabs: Array.from(document.querySelectorAll('[role=tab]')),
  voteDot: $('vote-dot'),
  questionsPanel: $('panel-questions'),
  qEmpty: $('q-empty'),
  plainBox: $('plain-box'),
  plain: $('prop-plain'),
  plainToggle: $('plain-toggle'),
  choices: $('choices'),
};

// The plain-language line (B1) under a proposition that has one: shown unless this device
// switched it off (remembered); when shown it is read out with the proposition (it is in the
// same live region) and is part of the vote buttons' group name.
const PLAIN_KEY = 'live:plain';
let plainOn = store.get(PLAIN_KEY, 'on') !== 'off';
el.plainToggle.addEventListener('click', () => {
  plainOn = !plainOn;
  store.set(PLAIN_KEY, plainOn ? 'on' : 'off');
  render();
});

function renderPlain(prop) {
  const plain = prop && typeof prop.plain === 'string' && prop.plain ? prop.plain : '';
  show(el.plainBox, !!plain);
  show(el.plain, !!plain && plainOn);
  setText(el.plain, plain);
  el.plainToggle.setAttribute('aria-pressed', String(plainOn));
  el.choices.setAttribute('aria-labelledby', plain && plainOn ? 'prop-text prop-plain' : 'prop-text');
}

// Text of a failed command: the server's message, or ours when nothing came back.
function failure(err) {
  return (err && err.message) || S.offline;
}

function current() {
  return state && state.proposition ? state.proposition : null;
}

function pendingVote() {
  return ballot.pending(current(), state.round);
}

function shownChoice() {
  return ballot.shown(current(), state.round);
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
  show(el.connecting, !state);
  show(el.lobby, !!state && !prop);
  show(el.proposition, !!prop);
  show(el.panel, !!prop);
  if (prop) {
    setText(el.label, format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) }));
    show(el.round, state.round > 1);
    setText(el.round, state.round > 1 ? format(S.round, { n: num.n(state.round) }) : '');
    setText(el.text, prop.text);
    el.text.classList.toggle('is-long', prop.text.length > LONG);
    renderPlain(prop);
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
    setText(el.status, statusText());
  }
  placePanel();
  // A dot on the vote tab while someone is reading questions and can still vote.
  show(el.voteDot, !!prop && state.phase === 'open' && !shownChoice() && tab !== 'vote');
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

function renderResults() {
  const counts = current() && state.revealed && tally ? tally.counts : null;
  const appearing = !!counts && el.results.hidden;
  show(el.results, !!counts);
  if (!counts) return;
  if (appearing) {
    // grow the bars from zero, and bring them into view on a small screen
    growFromZero(el.bars, el.results);
    el.results.scrollIntoView({ block: 'nearest' });
  }
  const voters = typeof tally.voters === 'number' ? tally.voters : Object.values(counts).reduce((a, b) => a + b, 0);
  drawBars(el.bars, counts, voters, num);
  let line = num.count(voters, S.votes_one, S.votes_other);
  if (tally.manual) line += ' · ' + S.hand_count;
  setText(el.voters, line);
  // Round 2 revealed: this phone's own before and after (as this phone remembers them).
  const before = state.round === 2 ? ballot.shown(current(), 1) : null;
  const after = before ? ballot.shown(current(), 2) : null;
  show(el.myShift, !!after);
  setText(el.myShift, after ? format(S.my_shift, { before: S.labels[before], after: S.labels[after] }) : '');

  const marker = markerOf(tally);
  show(el.marker, !!marker);
  setText(el.marker, marker ? S[marker] : '');
  if (marker) el.marker.dataset.marker = marker;

  const split = tally.by_perspective && Object.keys(tally.by_perspective).length ? tally.by_perspective : null;
  show(el.split, !!split);
  if (split) drawSplitList(el.splitList, split, cfg.perspectives, cfg.choices, S, num);
  const equal = equalWeightText(tally, cfg.choices, S, num);
  show(el.equal, !!equal);
  if (equal) setText(el.equal, equal);
}

// --- countdown ----------------------------------------------------------------------

let clockOffset = 0; // server clock minus ours, from the last state
let countdownTimer = 0;
let lastSpoken = null;

function renderCountdown() {
  const deadline = state && current() && state.phase === 'open' && typeof state.deadline === 'number'
    ? state.deadline : null;
  show(el.countdown, deadline !== null);
  if (deadline === null) {
    clearInterval(countdownTimer);
    countdownTimer = 0;
    lastSpoken = null;
    setText(el.countdownSr, '');
    return;
  }
  if (!countdownTimer) countdownTimer = setInterval(renderCountdown, 250);
  const left = secondsLeft(deadline, clockOffset);
  setText(el.countdown, left > 0 ? format(S.countdown, { time: clock(left) }) : S.time_up);
  el.countdown.classList.toggle('is-ending', left <= 10);
  // Screen readers hear it every ten seconds only.
  const step = Math.ceil(left / 10) * 10;
  if (lastSpoken === null) lastSpoken = step;
  else if (left % 10 === 0 && left !== lastSpoken) {
    lastSpoken = left;
    setText(el.countdownSr, left > 0 ? format(S.countdown_sr, { count: num.n(left) }) : S.time_up);
  }
}

// --- voting -------------------------------------------------------------------------

function choose(choice) {
  const prop = current();
  if (!prop || state.phase !== 'open' || !cfg.choices.includes(choice)) return;
  const entry = pendingVote();
  if (entry ? entry.choice === choice : shownChoice() === choice) return;
  notice = '';
  ballot.choose(prop, state.round, choice);
  render();
}

// What a screen reader says when the debate moves on (the live region #announce): voting
// opened or closed, results shown. Not on the first state: the page itself says that.
function announcement(before, after) {
  if (!before || !after.proposition) return '';
  const same = before.proposition && before.proposition.id === after.proposition.id && before.round === after.round;
  if (after.phase === 'open' && (!same || before.phase !== 'open')) return S.announce_open;
  if (same && before.phase === 'open' && after.phase === 'closed') return S.announce_closed;
  if (same && !before.revealed && after.revealed) return S.announce_results;
  return '';
}

function onState(msg) {
  if (!stateSeq.newer(msg.seq)) return; // an older snapshot overtaken by a newer one
  if (typeof msg.server_time === 'number') clockOffset = msg.server_time - Date.now();
  const before = current();
  const beforeRound = state ? state.round : null;
  const said = announcement(state, msg);
  if (said) setText(el.announce, said);
  state = msg;
  const prop = current();
  if (!prop || !before || before.id !== prop.id || beforeRound !== msg.round) {
    tally = null;
    tallySeq.reset();
    notice = '';
  }
  if (prop) ballot.reconcile(prop, msg);
  if ('my_ticket' in msg) ticket.known(msg.my_ticket);
  if ('my_perspective' in msg && !ticket.needed()) perspective.known(msg.my_perspective);
  if (flushAfterState) {
    flushAfterState = false;
    ballot.flush();
  }
  render();
  perspective.render();
}

function onTally(msg) {
  const prop = current();
  if (!prop || msg.proposition !== prop.id) return;
  if (msg.round != null && msg.round !== state.round) return;
  if (!msg.counts) return;
  if (!tallySeq.newer(msg.seq)) return;
  tally = msg;
  renderResults();
}

function onError(msg) {
  if (msg.code === 'ticket_required') ticket.known(false);
  const propositionId = ballot.refused(msg);
  if (propositionId === null) return;
  const prop = current();
  if (prop && prop.id === propositionId) notice = msg.message || S.failed;
  render();
}

// --- votes: the outbox ---------------------------------------------------------------

/* The phone's votes. A vote is kept in localStorage until the server acknowledges it
   (the outbox), re-sent with the same id after every reconnect, and once confirmed
   remembered per proposition and round. */
class Ballot {
  constructor(code, conn) {
    this.conn = conn;
    this.keys = {
      votes: 'live:votes:' + code, // "propositionId:round" -> confirmed choice
      outbox: 'live:outbox:' + code, // propositionId -> {id, choice, round}: not yet acknowledged
    };
    this.votes = store.get(this.keys.votes, {}) || {};
    this.outbox = store.get(this.keys.outbox, {}) || {};
    this.sentAt = new Map(); // vote id -> when it last went out (this page load)
    this.retryTimer = 0;
    // A vote that got no answer (a lost frame) goes out again; the server keeps the latest.
    setInterval(() => {
      const now = Date.now();
      for (const [propositionId, entry] of Object.entries(this.outbox)) {
        if (now - (this.sentAt.get(entry.id) || 0) > 8000) this.send(propositionId, entry);
      }
    }, 4000);
  }

  save() {
    store.set(this.keys.votes, this.votes);
    store.set(this.keys.outbox, this.outbox);
  }

  // The vote on its way for this proposition and round, or null.
  pending(prop, round) {
    const entry = prop && this.outbox[prop.id];
    return entry && entry.round === round ? entry : null;
  }

  // What the buttons show: the vote on its way, else the confirmed one.
  shown(prop, round) {
    if (!prop) return null;
    const entry = this.pending(prop, round);
    return entry ? entry.choice : this.votes[prop.id + ':' + round] || null;
  }

  send(propositionId, entry) {
    if (this.conn.send({ type: 'vote', proposition: propositionId, choice: entry.choice, id: entry.id })) {
      this.sentAt.set(entry.id, Date.now());
    }
  }

  flush() {
    for (const [propositionId, entry] of Object.entries(this.outbox)) this.send(propositionId, entry);
  }

  retryLater() {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = 0;
      this.flush();
    }, 2000 + Math.random() * 3000);
  }

  // Latest wins: one pending vote per proposition, replaced by a new tap.
  choose(prop, round, choice) {
    this.outbox[prop.id] = { id: newId(), choice, round };
    this.save();
    this.send(prop.id, this.outbox[prop.id]);
  }

  // A state for this proposition: the server's memory (my_vote) wins over ours.
  reconcile(prop, msg) {
    const entry = this.outbox[prop.id];
    if ('my_vote' in msg) {
      const key = prop.id + ':' + msg.round;
      if (msg.my_vote) this.votes[key] = msg.my_vote;
      else delete this.votes[key];
      if (entry && entry.round === msg.round && entry.choice === msg.my_vote) delete this.outbox[prop.id];
    }
    // A vote waiting from an earlier round must not count in this one.
    if (entry && entry.round !== msg.round) delete this.outbox[prop.id];
    this.save();
  }

  find(id) {
    if (id == null) return null;
    for (const [propositionId, entry] of Object.entries(this.outbox)) {
      if (entry.id === id) return { propositionId, entry };
    }
    return null;
  }

  // An ack for a vote: confirmed. False when it was not one (or superseded by a later tap).
  acknowledged(msg) {
    const found = this.find(msg.id);
    if (!found) return false;
    const { propositionId, entry } = found;
    this.votes[propositionId + ':' + entry.round] = entry.choice;
    delete this.outbox[propositionId];
    this.save();
    return true;
  }

  /* An error: for a vote that cannot be taken, its proposition id (the vote is dropped);
     otherwise null. Over the rate limit, or while the server cannot take it, the latest tap
     still has to arrive: it is sent again shortly. */
  refused(msg) {
    const busy = msg.code === 'retry_later' || msg.code === 'rate_limited';
    const found = this.find(msg.id);
    if (!found) {
      console.warn('live: server error', msg);
      // the server drops frames over the rate limit and says so without an id
      if (busy) this.retryLater();
      return null;
    }
    if (busy) {
      this.retryLater();
      return null;
    }
    delete this.outbox[found.propositionId];
    this.save();
    return found.propositionId;
  }
}

// --- perspective ----------------------------------------------------------------------

/* The phone's perspective ("from which perspective do you vote?"): asked once on
   joining, shown small with a way to change it. */
function setupPerspective({ cfg, S, conn, failure, skippedKey }) {
  const $ = (id) => document.getElementById(id);
  const el = {
    prompt: $('persp-prompt'),
    current: $('persp-current'),
    change: $('persp-change'),
    skip: $('persp-skip'),
    clear: $('persp-clear'),
    error: $('persp-error'),
    options: Array.from(document.querySelectorAll('[data-perspective]')),
  };
  const perspective = {
    known: false, // the server told us (state.my_perspective)
    value: null,
    open: false, // the prompt is shown
    asked: false, // shown once on joining
    pending: false,
  };

  function render() {
    if (!el.prompt || !cfg.perspectives.length || !perspective.known) return;
    if (!perspective.asked) {
      perspective.asked = true;
      if (perspective.value === null && !store.get(skippedKey, false)) perspective.open = true;
    }
    show(el.prompt, perspective.open);
    show(el.change, !perspective.open);
    setText(el.current, perspective.value === null ? S.no_perspective : perspective.value);
    el.change.classList.toggle('is-none', perspective.value === null);
    for (const button of el.options) {
      button.setAttribute('aria-pressed', String(button.dataset.perspective === perspective.value));
      button.classList.toggle('is-pending', perspective.pending === button.dataset.perspective);
    }
    // First time: "Skip". When changing a chosen perspective: withdraw it.
    show(el.skip, perspective.value === null);
    show(el.clear, perspective.value !== null);
  }

  async function choose(value) {
    if (perspective.pending !== false) return;
    if (value === perspective.value) {
      perspective.open = false;
      render();
      return;
    }
    perspective.pending = value;
    setText(el.error, '');
    render();
    try {
      const ack = await conn.command({ type: 'perspective', value });
      perspective.value = 'perspective' in ack ? ack.perspective : value;
      perspective.open = false;
    } catch (err) {
      setText(el.error, failure(err));
    }
    perspective.pending = false;
    render();
  }

  if (el.prompt) {
    for (const button of el.options) {
      button.addEventListener('click', () => choose(button.dataset.perspective));
    }
    el.skip.addEventListener('click', () => {
      store.set(skippedKey, true);
      perspective.open = false;
      setText(el.error, '');
      render();
      el.change.focus();
    });
    el.clear.addEventListener('click', () => {
      store.set(skippedKey, true);
      choose(null);
    });
    el.change.addEventListener('click', () => {
      perspective.open = true;
      setText(el.error, '');
      render();
      el.prompt.querySelector('button:not([hidden])').focus();
    });
  }

  return {
    // the server's word on this participant's perspective (state.my_perspective)
    known(value) {
      perspective.known = true;
      perspective.value = value;
    },
    render,
  };
}

// --- ticket -------------------------------------------------------------------------

/* A ticketed event: without a ticket nobody votes or asks. The phone asks for the code on
   the ticket (a card's QR code opens this page with ?ticket=… filled in and sent at once);
   the server's word (state.my_ticket, or a ticket_required error) decides. */
function setupTicket({ conn, failure, onAdmitted }) {
  const form = $('ticket-form');
  const el = { input: $('ticket-code'), error: $('ticket-error'), send: $('ticket-send') };
  let needed = false;
  let sending = false;
  const query = new URLSearchParams(location.search);
  let given = form ? query.get('ticket') : null;
  if (given !== null) {
    // out of the address bar (and the history): the ticket is this phone's secret
    query.delete('ticket');
    history.replaceState(null, '', location.pathname + (query.size ? '?' + query : '') + location.hash);
    el.input.value = given.slice(0, 20);
  }
  async function redeem() {
    const code = el.input.value.trim();
    if (!code || sending) return;
    sending = true;
    el.send.setAttribute('aria-disabled', 'true');
    setText(el.error, '');
    try {
      await conn.command({ type: 'ticket', code });
      needed = false;
      show(form, false);
      onAdmitted();
    } catch (err) {
      setText(el.error, failure(err));
      el.input.setAttribute('aria-invalid', 'true');
    }
    sending = false;
    el.send.removeAttribute('aria-disabled');
  }
  if (form) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      redeem();
    });
  }
  return {
    needed: () => needed,
    // the server says whether this phone holds a ticket
    known(holds) {
      // the event turned ticketed after this page was made: load it again, with the field
      if (!form) {
        if (!holds) location.reload();
        return;
      }
      needed = !holds;
      show(form, needed);
      if (needed && given) {
        given = null;
        redeem();
      }
    },
  };
}

// --- tabs ---------------------------------------------------------------------------

let tab = store.get(KEYS.tab, 'vote') === 'questions' ? 'questions' : 'vote';

function selectTab(name, focus) {
  tab = name;
  store.set(KEYS.tab, name);
  for (const button of el.tabs) {
    const selected = button.dataset.tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    show($(button.getAttribute('aria-controls')), selected);
    if (selected && focus) button.focus();
  }
  if (name === 'questions') loadQuestions();
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

// --- questions tab (its module is loaded when the tab is first opened) ---------------------

/* Why: the phone page must stay within its weight on the wire (docs/performance.md, the
   phone page's weight), and most of the hall only votes; so audience-questions.js is not
   loaded with the page but with import() the first time the questions tab opens. What the
   tab shows is the same: until then this keeps the latest "questions" message with the
   module's own checks (its seq, reset by a new connection; `upvoted` from the last message
   that had it) and hands it over when the module starts; a question sent or a sort tapped
   while the module is on its way is done once it is there. */
let questions = null; // the tab's module (setupQuestions) once loaded
let questionsLoading = null; // the import() under way
const early = { seq: -1, msg: null, upvoted: null }; // "questions" until then

function earlyQuestions(msg) {
  if (typeof msg.seq === 'number') {
    if (msg.seq < early.seq) return;
    early.seq = msg.seq;
  }
  early.msg = msg;
  if (Array.isArray(msg.upvoted)) early.upvoted = msg.upvoted;
}

function loadQuestions() {
  if (!questionsLoading) {
    el.questionsPanel.setAttribute('aria-busy', 'true');
    questionsLoading = import('./audience-questions.js').then(({ setupQuestions }) => {
      questions = setupQuestions({ cfg, S, conn, failure, askedKey: KEYS.asked });
      if (early.msg) questions.onQuestions({ ...early.msg, seq: early.seq, upvoted: early.upvoted || undefined });
      else show(el.qEmpty, true);
      el.questionsPanel.removeAttribute('aria-busy');
    }, (err) => {
      console.error('live: cannot load the questions tab', err);
      questionsLoading = null; // tried again on the next tap
      throw err;
    });
  }
  return questionsLoading;
}

// "No questions yet" only once the module knows.
show(el.qEmpty, false);
el.questionsPanel.addEventListener('submit', (event) => {
  if (questions) return;
  event.preventDefault();
  loadQuestions().then(() => event.target.requestSubmit());
});
el.questionsPanel.addEventListener('click', (event) => {
  const sort = !questions && event.target.closest('[data-sort]');
  if (sort) loadQuestions().then(() => sort.click());
});

// --- messages -----------------------------------------------------------------------

function onWelcome(msg) {
  if (msg.participant) store.set(KEYS.participant, msg.participant);
  if (msg.event && Array.isArray(msg.event.choices)) cfg.choices = msg.event.choices;
  if (msg.event && Array.isArray(msg.event.perspectives)) perspectivesChanged(msg.event.perspectives);
  stateSeq.reset();
  if (questions) questions.reset();
  else early.seq = -1;
  flushAfterState = true;
}

const onMessage = dispatch({
  welcome: onWelcome,
  state: onState,
  tally: onTally,
  questions: (msg) => (questions ? questions.onQuestions(msg) : earlyQuestions(msg)),
  ack: (msg) => {
    if (ballot.acknowledged(msg)) render();
  },
  error: onError,
  presence: null,
  perspectives: (msg) => perspectivesChanged(msg.perspectives),
});

cfg.choices = el.buttons.map((button) => button.dataset.choice);
cfg.perspectives = cfg.perspectives || [];
const perspectivesChanged = followPerspectives(cfg.perspectives);
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
    const token = store.get(KEYS.participant, null);
    return token ? { participant: token } : null;
  },
});
const ballot = new Ballot(cfg.code, conn);
const perspective = setupPerspective({ cfg, S, conn, failure, skippedKey: KEYS.skipped });
const ticket = setupTicket({ conn, failure, onAdmitted: () => {
  notice = S.ticket_ok;
  if (state && 'my_perspective' in state) perspective.known(state.my_perspective);
  render();
  perspective.render();
} });
selectTab(tab, false);
conn.start();
render();
