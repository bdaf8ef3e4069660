/* live: the audience's phone. Two tabs: "vote" shows the current proposition and takes
   one vote per proposition; "questions" (audience-questions.js) asks questions and upvotes
   others'. A vote is shown at once ("sending"), kept in localStorage until the server
   acknowledges it, and re-sent (same id) after every reconnect. */
import { LiveConnection, config, dispatch, format, numbers, setText, show, store } from './connection.js';
import { clock, secondsLeft, sequence } from './countdown.js';
import { drawBars, drawSplitList, equalWeightText, growFromZero, LONG, markerOf, readBars } from './results.js';
import { setupPerspective } from './audience-perspective.js';
import { setupQuestions } from './audience-questions.js';
import { Ballot } from './audience-votes.js';

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
  myShift: $('my-shift'),
  marker: $('marker'),
  split: $('split'),
  splitList: $('split-list'),
  equal: $('equal-weight'),
  buttons: Array.from(document.querySelectorAll('[data-choice]')),
  bars: readBars(),
  tabs: Array.from(document.querySelectorAll('[role=tab]')),
  voteDot: $('vote-dot'),
};

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

function onState(msg) {
  if (!stateSeq.newer(msg.seq)) return; // an older snapshot overtaken by a newer one
  if (typeof msg.server_time === 'number') clockOffset = msg.server_time - Date.now();
  const before = current();
  const beforeRound = state ? state.round : null;
  state = msg;
  const prop = current();
  if (!prop || !before || before.id !== prop.id || beforeRound !== msg.round) {
    tally = null;
    tallySeq.reset();
    notice = '';
  }
  if (prop) ballot.reconcile(prop, msg);
  if ('my_perspective' in msg) perspective.known(msg.my_perspective);
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
  const propositionId = ballot.refused(msg);
  if (propositionId === null) return;
  const prop = current();
  if (prop && prop.id === propositionId) notice = msg.message || S.failed;
  render();
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

// --- messages -----------------------------------------------------------------------

function onWelcome(msg) {
  if (msg.participant) store.set(KEYS.participant, msg.participant);
  if (msg.event && Array.isArray(msg.event.choices)) cfg.choices = msg.event.choices;
  if (msg.event && Array.isArray(msg.event.perspectives)) cfg.perspectives = msg.event.perspectives;
  stateSeq.reset();
  questions.reset();
  flushAfterState = true;
}

const onMessage = dispatch({
  welcome: onWelcome,
  state: onState,
  tally: onTally,
  questions: (msg) => questions.onQuestions(msg),
  ack: (msg) => {
    if (ballot.acknowledged(msg)) render();
  },
  error: onError,
  presence: null,
});

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
    const token = store.get(KEYS.participant, null);
    return token ? { participant: token } : null;
  },
});
const ballot = new Ballot(cfg.code, conn);
const perspective = setupPerspective({ cfg, S, conn, failure, skippedKey: KEYS.skipped });
const questions = setupQuestions({ cfg, S, conn, failure, askedKey: KEYS.asked });
selectTab(tab, false);
conn.start();
render();
