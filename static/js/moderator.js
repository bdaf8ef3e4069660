/* live: the moderator's console: the current proposition, the list of propositions, and
   the messages from the server. Every command is sent with an id and shows as pending
   until the server acknowledges it (moderator-controls.js, with the keyboard shortcuts);
   the live count and the countdown are in moderator-count.js, hand counts in
   moderator-hands.js, the questions
   in moderator-questions.js. User data only ever goes in textContent. */
import { LiveConnection, LONG, REFUSED, config, dispatch, followPerspectives, format, numbers, sequence, setText, show } from './connection.js';
import { keepAwake } from './wakelock.js';
import { foldOnSmallScreens } from './fold.js';
import { setupControls } from './moderator-controls.js';
import { setupCount } from './moderator-count.js';
import { setupHands } from './moderator-hands.js';
import { setupEdit } from './moderator-edit.js';
import { setupQuestions } from './moderator-questions.js';

const cfg = config();
foldOnSmallScreens();
const S = cfg.strings;
const num = numbers(cfg.lang);
const $ = (id) => document.getElementById(id);

let propositions = sortByIndex(cfg.propositions || []);
const perspectives = Array.isArray(cfg.perspectives) ? cfg.perspectives : [];
const perspectivesChanged = followPerspectives(perspectives);
let choices = Array.isArray(cfg.choices) ? cfg.choices : ['agree', 'disagree', 'neutral'];
let state = null;
let tally = null;
const stateSeq = sequence();
const tallySeq = sequence(); // since the current proposition and round
let clockOffset = 0; // server clock minus ours, from state.server_time
const busy = new Set(); // command keys in flight

const el = {
  status: $('conn-status'),
  presence: $('presence-count'),
  moderators: $('moderators-count'),
  presenceAlert: $('presence-alert'),
  alert: $('alert'),
  alertText: $('alert-text'),
  label: $('cur-label'),
  round: $('cur-round'),
  phase: $('cur-phase'),
  revealed: $('cur-revealed'),
  text: $('cur-text'),
  list: $('prop-list'),
};

function sortByIndex(list) {
  return list.slice().sort((a, b) => a.index - b.index);
}

function currentId() {
  return state && state.proposition ? state.proposition.id : null;
}

function currentProposition() {
  return state && state.proposition ? state.proposition : null;
}

// --- rendering: the current proposition ------------------------------------------------

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
    text.dir = 'auto';
    text.textContent = p.text;
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.hidden = true;
    button.append(number, text, badge);
    button.addEventListener('click', () => {
      if (p.id !== currentId()) controls.goTo(p.id, button);
    });
    li.append(button);
    edit.decorate(li, p);
    return li;
  });
  el.list.replaceChildren(...items);
}

function render() {
  const prop = currentProposition();
  if (prop) {
    let label = format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) });
    if (state.round > 1) label += ' · ' + format(S.round, { n: num.n(state.round) });
    setText(el.label, label);
    setText(el.text, prop.text);
    el.text.classList.toggle('is-long', prop.text.length > LONG);
    setText(el.round, format(S.round_badge, { n: num.n(state.round || 1) }));
    el.round.dataset.round = String(state.round || 1);
    setText(el.phase, S['phase_' + state.phase] || state.phase);
    el.phase.dataset.phase = state.phase;
    setText(el.revealed, state.revealed ? S.revealed : S.hidden);
    el.revealed.dataset.revealed = String(!!state.revealed);
  } else {
    setText(el.label, S.lobby);
    setText(el.text, '');
  }
  show(el.round, !!prop);
  show(el.phase, !!prop);
  show(el.revealed, !!prop);

  for (const button of el.list.querySelectorAll('.prop-item')) {
    const isCurrent = !!prop && button.dataset.id === prop.id;
    if (isCurrent) button.setAttribute('aria-current', 'step');
    else button.removeAttribute('aria-current');
    const badge = button.querySelector('.badge');
    badge.hidden = !isCurrent;
    if (isCurrent) {
      setText(badge, S['phase_' + state.phase] || state.phase);
      badge.dataset.phase = state.phase;
    }
    button.classList.toggle('is-pending', controls.pendingGoto() === button.dataset.id);
  }

  controls.render();
  count.render();
  hands.render();
}

// --- messages --------------------------------------------------------------------------

function onState(msg) {
  if (!stateSeq.newer(msg.seq)) return;
  const before = currentId();
  const beforeRound = state ? state.round : null;
  if (typeof msg.server_time === 'number') clockOffset = msg.server_time - Date.now();
  state = msg;
  if (currentId() !== before || msg.round !== beforeRound) {
    tally = null;
    tallySeq.reset();
    count.clear();
  }
  render();
  if (currentId() !== before) scrollCurrentIntoView();
}

function onTally(msg) {
  if (!state || msg.proposition !== currentId()) return;
  if (msg.round != null && msg.round !== state.round) return;
  if (!tallySeq.newer(msg.seq)) return;
  tally = msg;
  render();
}

// Scroll the list itself, never the page: on a phone the list is far below the controls.
function scrollCurrentIntoView() {
  const current = el.list.querySelector('[aria-current]');
  if (!current) return;
  const box = el.list.getBoundingClientRect();
  const item = current.getBoundingClientRect();
  if (item.top < box.top) el.list.scrollTop -= box.top - item.top;
  else if (item.bottom > box.bottom) el.list.scrollTop += item.bottom - box.bottom;
}

function onWelcome(msg) {
  stateSeq.reset();
  if (msg.event && Array.isArray(msg.event.propositions)) {
    propositions = sortByIndex(msg.event.propositions);
    renderList();
  }
  if (msg.event && Array.isArray(msg.event.perspectives)) perspectivesChanged(msg.event.perspectives);
  if (msg.event && Array.isArray(msg.event.choices)) choices = msg.event.choices;
  hands.refresh();
}

const onMessage = dispatch({
  welcome: onWelcome,
  state: onState,
  tally: onTally,
  propositions: (msg) => {
    // the debate was edited (here or on another console): the new list and order
    if (!Array.isArray(msg.propositions)) return;
    propositions = sortByIndex(msg.propositions);
    renderList();
    render();
  },
  questions: (msg) => questions.onQuestions(msg),
  perspectives: (msg) => perspectivesChanged(msg.perspectives),
  presence: (msg) => {
    setText(el.presence, num.n(msg.online || 0));
    if (Number.isFinite(msg.moderators)) setText(el.moderators, num.n(msg.moderators));
    renderAlerts(msg.alerts);
  },
  ack: null, // a late ack for a command that already timed out
  error: (msg) => controls.showAlert(controls.errorText(msg)),
});

// A pattern the server saw (docs/protocol.md, presence): say so, calmly, while it lasts.
// Only patterns with a text of their own are shown; a hall that merely shares one address
// raises none.
function renderAlerts(alerts) {
  const shown = Object.entries(alerts || {})
    .filter(([name, count]) => S['alert_' + name] && Number.isFinite(count) && count > 0)
    .map(([name, count]) => format(S['alert_' + name], { count: num.n(count) }));
  show(el.presenceAlert, shown.length > 0);
  setText(el.presenceAlert, shown.join(' · '));
}

function onStatus(status) {
  setText(el.status, S['status_' + status] || status);
  el.status.dataset.status = status;
  if (status === 'online' && !el.alert.hidden && el.alertText.textContent === S.error_refused) controls.clearAlert();
}

// Several handshakes in a row failed while the server itself answers: the socket is
// refused, most likely because the moderator session ended (logged out elsewhere).
function onLost(failures) {
  if (failures !== 3 && failures % 10 !== 0) return;
  fetch('/healthz', { cache: 'no-store' })
    .then((response) => {
      if (response.ok && conn.status !== 'online') controls.showAlert(S.error_refused);
    })
    .catch(() => {});
}

// keep the laptop awake during the debate where the browser allows it
keepAwake();

// the sticky control column sits under the sticky header, whatever its height (it wraps)
const header = document.querySelector('.site-header');
if (header && window.ResizeObserver) {
  new ResizeObserver(() => {
    document.documentElement.style.setProperty('--mod-header-height', header.offsetHeight + 'px');
  }).observe(header);
}

const ctx = {
  cfg, S, num, busy, render, currentId, proposition: currentProposition,
  get conn() {
    return conn;
  },
  get state() {
    return state;
  },
  get tally() {
    return tally;
  },
  get choices() {
    return choices;
  },
  get perspectives() {
    return perspectives;
  },
  get propositions() {
    return propositions;
  },
  get clockOffset() {
    return clockOffset;
  },
  questionDone: () => questions.render(),
};
const controls = setupControls(ctx);
ctx.run = controls.run;
ctx.showAlert = controls.showAlert;
const edit = setupEdit(ctx);
const hands = setupHands(ctx);
ctx.hands = hands;
const count = setupCount(ctx);
const questions = setupQuestions(ctx);

const conn = new LiveConnection({
  path: cfg.ws_path,
  lang: cfg.lang,
  onMessage,
  onStatus,
  onLost,
  onClose: (code) => {
    if (code === REFUSED) controls.showAlert(S.error_refused);
  },
});
renderList();
render();
questions.render();
conn.start();
