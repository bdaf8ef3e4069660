/* live: the projector. Read-only; follows the state, tallies and questions pushed by the
   server: the current proposition and its results, or the question wall.
   F toggles full screen, T the light background. */
import {
  LiveConnection, LONG, clock, config, dispatch, drawBars, drawSplitList, equalWeightText, format,
  growFromZero, markerOf, numbers, readBars, secondsLeft, sequence, setText, show, stageElements, store,
} from './connection.js';
import { setupHistory } from './projector-history.js';
import { keepAwake } from './wakelock.js';

const cfg = config();
const S = cfg.strings;
const num = numbers(cfg.lang);
const $ = (id) => document.getElementById(id);

let state = null;
let tally = null; // latest tally for the current proposition and round
const stateSeq = sequence();
const tallySeq = sequence(); // since the current proposition and round
let shownText = null;
let questions = null; // last "questions" message
let clockOffset = 0; // server clock minus ours
let countdownTimer = 0;
const WALL_MAX = 8;

// Long text is set smaller: "is-long" over LONG (140) characters, as on the phone and the
// moderator's console, and on the big screen also "is-very-long" (260) and "is-huge" (380).
function lengthClass(text) {
  if (text.length > 380) return 'is-huge';
  if (text.length > 260) return 'is-very-long';
  if (text.length > LONG) return 'is-long';
  return '';
}

const el = {
  root: $('projector'),
  ...stageElements(),
  handCount: $('hand-count'),
  countdown: $('countdown'),
  marker: $('marker'),
  split: $('split'),
  splitList: $('split-list'),
  equal: $('equal-weight'),
  turnout: $('turnout'),
  beforeAfter: $('before-after'),
  beforeRound1: $('before-round1'),
  beforeShift: $('before-shift'),
  beforeMoved: $('before-moved'),
  beforeGroups: $('before-groups'),
  wall: $('wall'),
  pinned: $('wall-pinned'),
  pinnedText: $('wall-pinned-text'),
  pinnedName: $('wall-pinned-name'),
  pinnedTo: $('wall-pinned-to'),
  wallList: $('wall-list'),
  wallEmpty: $('wall-empty'),
  venue: $('venue'),
  phase: $('phase-text'),
  count: $('vote-count'),
  results: $('results'),
  theme: $('theme-toggle'),
  fullscreen: $('fullscreen-toggle'),
  bars: readBars(),
  // round 1's bars, beside round 2's
  bars1: Array.from(document.querySelectorAll('[data-round1]'), (row) => ({
    choice: row.dataset.round1,
    fill: row.querySelector('.bar-fill'),
    pct: row.querySelector('.bar-pct'),
    count: row.querySelector('.bar-count'),
  })),
  round1Col: $('round1-col'),
  round2Head: $('round2-head'),
};
const renderHistory = setupHistory(el.root, cfg, S, num, () => fitStage());

function render() {
  const prop = state ? state.proposition : null;
  const wall = !!state && state.screen === 'questions';
  const venue = !!state && state.screen === 'join'; // the "how to join" slide
  show(el.connecting, !state);
  show(el.lobby, !!state && !prop && !wall && !venue);
  show(el.proposition, !!prop && !wall && !venue);
  show(el.wall, wall);
  show(el.venue, venue);
  el.root.dataset.phase = !state ? 'connecting' : venue ? 'join' : wall ? 'questions' : prop ? state.phase : 'lobby';
  el.root.dataset.revealed = String(!!(state && state.revealed));
  el.root.dataset.split = 'false'; // until revealed results with a split are drawn
  el.root.dataset.joinPanel = joinPanel(prop, wall);
  renderCountdown();
  if (venue) return;
  if (wall) {
    renderWall();
    return;
  }
  if (!prop) return;

  setText(el.label, format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) }));
  show(el.round, state.round > 1);
  setText(el.round, state.round > 1 ? format(S.round, { n: num.n(state.round) }) : '');
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
  setText(el.phase, phase);

  const voters = tally ? tally.voters || 0 : 0;
  setText(el.count, state.phase === 'waiting' && !voters ? '' : num.count(voters, S.votes_one, S.votes_other));
  show(el.handCount, !!(tally && tally.manual));

  renderTurnout(counts);
  const appearing = !!counts && el.results.hidden;
  show(el.results, !!counts);
  if (!counts) {
    renderHistory(null);
    fitStage();
    return;
  }
  if (appearing) growFromZero(el.bars, el.results);
  drawBars(el.bars, counts, voters, num);
  renderBeforeAfter();
  renderSplit();
  renderHistory(state); // the trend takes the place of the bars and the split (projector.css)
  fitStage();
}

// The join panel: full size while people are still joining, a corner once most of the hall
// has (the moderator's join_panel "auto": while revealed results or the question wall are up),
// or whatever the moderator chose ("corner", "full").
function joinPanel(prop, wall) {
  const size = state ? state.join_panel : 'auto';
  if (size === 'corner' || size === 'full') return size;
  const results = !!prop && state.revealed && !!tally && !!tally.counts;
  return wall || results ? 'corner' : 'full';
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

// --- sealed turnout: how many voted per perspective while results are hidden ------------

function renderTurnout(counts) {
  const turnout = !counts && tally && tally.turnout ? tally.turnout : null;
  const names = turnout ? cfg.perspectives.filter((name) => typeof turnout[name] === 'number') : [];
  show(el.turnout, names.length > 0);
  setText(el.turnout, names.map((name) => name + ' ' + num.n(turnout[name])).join(' · '));
}

// --- round 1 against round 2, once round 2 is revealed -----------------------------------

// The moderator chooses the view (state.compare): before_after (round 1's bars beside round
// 2's as soon as round 2 is revealed, open or closed; once it is closed also the shift overall
// and per perspective), who_moved (the shift and who moved, once closed) or round2 (round 2
// alone, with its split).
function renderBeforeAfter() {
  const view = state.compare || 'before_after';
  const round1 = tally.round === 2 && view === 'before_after' && tally.round1 ? tally.round1 : null;
  show(el.round1Col, !!round1);
  show(el.round2Head, !!round1);
  el.root.dataset.rounds = String(!!round1);
  if (round1) drawBars(el.bars1, round1.counts, round1.voters || 0, num);
  const before = tally.round === 2 && tally.before_after && view !== 'round2' ? tally.before_after : null;
  const sideBySide = !!before && view === 'before_after';
  show(el.beforeAfter, !!before);
  el.root.dataset.before = String(!!(before || round1));
  if (before) el.beforeAfter.dataset.view = view;
  if (!before) return;
  show(el.beforeRound1, false); // round 1's shares are its bars now
  const total = before.shift.total;
  const verdict = before.test ? before.test.verdict : null;
  el.beforeShift.dataset.verdict = verdict || '';
  setText(el.beforeShift, total === null ? '' : S.shift + ' ' + (total > 0 ? '+' : '') + num.n(total) + ' ' +
    S.points + (verdict ? ' (' + S[verdict] + ')' : ''));
  // The shift per perspective, for the groups shown in both rounds.
  const groups = cfg.perspectives.filter((name) => typeof (before.shift.by_perspective || {})[name] === 'number');
  show(el.beforeGroups, sideBySide && groups.length > 0);
  setText(el.beforeGroups, groups.map((name) => {
    const points = before.shift.by_perspective[name];
    return name + ' ' + (points > 0 ? '+' : '') + num.n(points);
  }).join(' · '));
  const m = view === 'who_moved' ? before.moved : null;
  const L = S.labels;
  show(el.beforeMoved, !!m);
  setText(el.beforeMoved, m ? S.who_moved + ': ' + [
    L.disagree + ' → ' + L.agree + ' ' + num.n(m.disagree_to_agree),
    L.agree + ' → ' + L.disagree + ' ' + num.n(m.agree_to_disagree),
    '→ ' + (L.neutral || '') + ' ' + num.n(m.to_neutral),
    (L.neutral || '') + ' → ' + num.n(m.from_neutral)].join(' · ') : '');
}

// --- split by perspective, consensus marker ------------------------------------------

function renderSplit() {
  const groups = tally.by_perspective && Object.keys(tally.by_perspective).length ? tally.by_perspective : null;
  const marker = markerOf(tally);
  // The groups it weighs are named only when some are not: otherwise they are the list beside it.
  const all = !!groups && Object.values(groups).every((group) => !!group);
  const equal = equalWeightText(all ? { ...tally, equal_weight_groups: [] } : tally, choices(), S, num);
  // Round 1 against round 2 takes the split's place (it would not fit beside it).
  show(el.split, !!(groups || marker || equal) && el.root.dataset.before !== 'true');
  el.root.dataset.split = String(!!groups);
  show(el.marker, !!marker);
  setText(el.marker, marker ? S[marker] : '');
  if (marker) el.marker.dataset.marker = marker;
  show(el.equal, !!equal);
  if (equal) setText(el.equal, equal);
  el.splitList.textContent = '';
  if (!groups) return;
  el.splitList.style.setProperty('--rows', String(Object.keys(groups).length));
  // the shares in type for the back row: only in a segment wide enough for them (the pattern marks the rest)
  drawSplitList(el.splitList, groups, cfg.perspectives, choices(), S, num, { pctInSegment: true, pctMin: 25 });
}

function choices() {
  return el.bars.map((bar) => bar.choice);
}

// --- question wall ----------------------------------------------------------------

// The server sends the wall in its order ("votes" or "balanced"): keep it.
function wallItems() {
  const items = questions && Array.isArray(questions.items) ? questions.items : [];
  return items.filter((item) => item.status === 'visible' && !item.pinned);
}

function renderWall() {
  const items = questions && Array.isArray(questions.items) ? questions.items : [];
  const pinned = items.find((item) => item.pinned) || null;
  show(el.pinned, !!pinned);
  if (pinned) {
    setText(el.pinnedText, pinned.text);
    el.pinnedText.className = 'wall-pinned-text ' + lengthClass(pinned.text);
    setText(el.pinnedName, pinned.name || '');
    show(el.pinnedName, !!pinned.name);
    setText(el.pinnedTo, pinned.to ? format(S.to, { name: pinned.to }) : '');
    show(el.pinnedTo, !!pinned.to);
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
        to.textContent = format(S.to, { name: item.to });
        meta.append(to);
      }
      body.append(meta);
    }
    li.append(votes, body);
    el.wallList.append(li);
  }
  show(el.wallEmpty, !pinned && !list.length);
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
  show(el.countdown, deadline !== null);
  if (deadline === null) {
    clearInterval(countdownTimer);
    countdownTimer = 0;
    return;
  }
  if (!countdownTimer) countdownTimer = setInterval(renderCountdown, 250);
  const left = secondsLeft(deadline, clockOffset);
  setText(el.countdown, left > 0 ? clock(left) : S.time_up);
  el.countdown.classList.toggle('is-ending', left <= 10);
}

function onState(msg) {
  if (!stateSeq.newer(msg.seq)) return;
  const before = state && state.proposition;
  const prop = msg.proposition;
  if (!prop || !before || before.id !== prop.id || state.round !== msg.round) {
    tally = null;
    tallySeq.reset();
  }
  if (typeof msg.server_time === 'number') clockOffset = msg.server_time - Date.now();
  state = msg;
  render();
}

function onTally(msg) {
  const prop = state && state.proposition;
  if (!prop || msg.proposition !== prop.id) return;
  if (msg.round != null && msg.round !== state.round) return;
  if (!tallySeq.newer(msg.seq)) return;
  tally = msg;
  if (state.screen !== 'questions') render();
}

function onQuestions(msg) {
  const seen = questions && typeof questions.seq === 'number' ? questions.seq : -1;
  if (typeof msg.seq === 'number' && msg.seq < seen) return;
  questions = msg;
  if (state && state.screen === 'questions') render();
}

const onMessage = dispatch({
  welcome: (msg) => {
    stateSeq.reset();
    questions = null;
    if (msg.event && Array.isArray(msg.event.perspectives)) cfg.perspectives = msg.event.perspectives;
  },
  state: onState,
  tally: onTally,
  questions: onQuestions,
  perspectives: (msg) => {
    if (Array.isArray(msg.perspectives)) cfg.perspectives = msg.perspectives;
  },
  presence: null,
  ack: null,
  error: (msg) => console.warn('live: server error', msg),
});

// --- full screen, theme, screen wake lock ----------------------------------------------

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
  store.set(THEME_KEY, light ? 'light' : 'dark');
}

const THEME_KEY = 'live:projector-theme';
store.rename('live:screen-theme', THEME_KEY);
const wanted = new URLSearchParams(location.search).get('theme') || store.get(THEME_KEY, 'dark');
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

keepAwake();
window.addEventListener('resize', () => {
  if (state) render();
});
cfg.perspectives = cfg.perspectives || [];

const conn = new LiveConnection({ path: cfg.ws_path, lang: cfg.lang, onMessage });
conn.start();
render();
