/* live: the moderator's console. Every command is sent with an id and shows as pending
   until the server acknowledges it; errors appear in the alert box (or next to the form
   that sent them). Keyboard: ArrowRight/PageDown next, ArrowLeft/PageUp previous,
   Space open/close, R reveal/hide, Q projector shows proposition/questions.
   User data (propositions, questions, names, perspectives) only ever goes in textContent. */
(() => {
  'use strict';
  const { Live, LiveConnection } = window;
  const cfg = Live.config();
  const S = cfg.strings;
  const num = Live.numbers(cfg.lang);
  const dec = new Intl.NumberFormat(cfg.lang, { maximumFractionDigits: 1 });
  const $ = (id) => document.getElementById(id);
  const STATUSES = ['waiting', 'visible', 'answered', 'rejected'];
  const ANY = '*';

  let propositions = sortByIndex(cfg.propositions || []);
  let perspectives = Array.isArray(cfg.perspectives) ? cfg.perspectives : [];
  let choices = Array.isArray(cfg.choices) ? cfg.choices : ['agree', 'disagree', 'neutral'];
  let state = null;
  let tally = null;
  let lastSeq = -1;
  let clockOffset = 0; // server clock minus ours, from state.server_time
  let questions = { seq: -1, items: [], premoderation: null, wall: null };
  const view = Object.assign({ tab: 'waiting', sort: 'votes', from: ANY, to: ANY },
    Live.store.get('live-moderate-view', {}));
  if (!STATUSES.includes(view.tab)) view.tab = 'waiting';
  let pendingGoto = null; // target of a goto not yet acknowledged
  const busy = new Set(); // command keys in flight
  const questionNodes = new Map(); // question id -> <li>

  const el = {
    status: $('conn-status'),
    presence: $('presence-count'),
    presenceAlert: $('presence-alert'),
    alert: $('alert'),
    alertText: $('alert-text'),
    alertClose: $('alert-close'),
    label: $('cur-label'),
    round: $('cur-round'),
    phase: $('cur-phase'),
    revealed: $('cur-revealed'),
    text: $('cur-text'),
    voters: $('voters'),
    marker: $('marker'),
    manual: $('manual-line'),
    manualText: $('manual-text'),
    equalWeight: $('equal-weight'),
    splitBody: $('split-body'),
    cmdStatus: $('cmd-status'),
    list: $('prop-list'),
    logout: $('logout-form'),
    buttons: Object.fromEntries(Array.from(document.querySelectorAll('[data-command]'), (b) => [b.dataset.command, b])),
    screens: Array.from(document.querySelectorAll('[data-screen]')),
    bars: Array.from(document.querySelectorAll('[data-result]'), (row) => ({
      choice: row.dataset.result,
      fill: row.querySelector('.bar-fill'),
      pct: row.querySelector('.bar-pct'),
      count: row.querySelector('.bar-count'),
    })),
    countdown: $('countdown-form'),
    cdSeconds: $('cd-seconds'),
    cdClose: $('cd-close'),
    cdStart: $('cd-start'),
    cdStop: $('cd-stop'),
    cdRemaining: $('cd-remaining'),
    waitingBadge: $('waiting-badge'),
    waitingCount: $('waiting-count'),
    premoderation: $('set-premoderation'),
    wallRadios: Array.from(document.querySelectorAll('input[name="wall"]')),
    tabs: Array.from(document.querySelectorAll('[data-tab]')),
    tabCounts: Object.fromEntries(Array.from(document.querySelectorAll('[data-count-for]'), (n) => [n.dataset.countFor, n])),
    sort: $('q-sort'),
    from: $('q-from'),
    to: $('q-to'),
    mix: $('q-mix-list'),
    qEmpty: $('q-empty'),
    qList: $('q-list'),
    handForm: $('hand-form'),
    handTarget: $('hand-target'),
    handGroup: $('hand-group'),
    handSubmit: $('hand-submit'),
    handStatus: $('hand-status'),
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

  // The proposition `step` places from the current one (or from a goto still in flight).
  function neighbour(step) {
    const base = pendingGoto !== null ? pendingGoto : currentId();
    if (base === null) return step > 0 && propositions.length ? propositions[0].id : null;
    const at = propositions.findIndex((p) => p.id === base);
    const next = propositions[at + step];
    return at >= 0 && next ? next.id : null;
  }

  function questionNumber(id) {
    const n = parseInt(String(id).replace(/^\D+/, ''), 10);
    return Number.isFinite(n) ? n : 0;
  }

  function choiceLabel(choice) {
    return S['choice_' + choice] || choice;
  }

  function percent(value) {
    return dec.format(value) + '%';
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

  /* Send one command. `key` makes a command exclusive (a second click while the first is
     in flight does nothing); `button` shows the pending state; `report(err)` shows an
     error somewhere else than the alert box. Resolves with the ack, or null on error. */
  async function run(key, message, button, report) {
    if (busy.has(key)) return null;
    busy.add(key);
    setBusy(button, true);
    render();
    try {
      const ack = await conn.command(message);
      if (!report) clearAlert();
      return ack;
    } catch (err) {
      if (report) report(errorText(err));
      else showAlert(errorText(err));
      return null;
    } finally {
      busy.delete(key);
      setBusy(button, false);
      render();
      // a question's buttons show their pending state; settings are rendered by their caller
      // once it has applied the result
      if (key.startsWith('q:')) renderQuestions();
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

  function screenShown() {
    return state && state.screen === 'questions' ? 'questions' : 'proposition';
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
      case 'round2':
        return hasProposition && (state.round || 1) < 2 && phase !== 'waiting';
      case 'screen':
        return !!state;
      default:
        return false;
    }
  }

  function perform(name) {
    if (!state || !enabled(name) || busy.has(name)) return;
    const button = el.buttons[name];
    switch (name) {
      case 'prev':
      case 'next':
        goTo(neighbour(name === 'next' ? 1 : -1), button);
        break;
      case 'round2':
        // Destructive-ish: a fresh vote, results hidden again, round 1 cannot come back.
        if (!window.confirm(S.confirm_round2)) return;
        run('round2', { type: 'open', round: 2 }, button);
        break;
      case 'screen': {
        const show = screenShown() === 'questions' ? 'proposition' : 'questions';
        showScreen(show);
        break;
      }
      default:
        run(name, { type: name }, button);
    }
  }

  function showScreen(show) {
    if (!state || busy.has('screen') || show === screenShown()) return;
    run('screen', { type: 'screen', show }, el.screens.find((b) => b.dataset.screen === show));
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
        if (p.id !== currentId()) goTo(p.id, button);
      });
      li.append(button);
      return li;
    });
    el.list.replaceChildren(...items);
  }

  function render() {
    const prop = currentProposition();
    if (prop) {
      let label = Live.format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) });
      if (state.round > 1) label += ' · ' + Live.format(S.round, { n: num.n(state.round) });
      Live.setText(el.label, label);
      Live.setText(el.text, prop.text);
      el.text.classList.toggle('is-long', prop.text.length > 140);
      Live.setText(el.round, Live.format(S.round_badge, { n: num.n(state.round || 1) }));
      el.round.dataset.round = String(state.round || 1);
      Live.setText(el.phase, S['phase_' + state.phase] || state.phase);
      el.phase.dataset.phase = state.phase;
      Live.setText(el.revealed, state.revealed ? S.revealed : S.hidden);
      el.revealed.dataset.revealed = String(!!state.revealed);
    } else {
      Live.setText(el.label, S.lobby);
      Live.setText(el.text, '');
    }
    Live.show(el.round, !!prop);
    Live.show(el.phase, !!prop);
    Live.show(el.revealed, !!prop);

    for (const [name, button] of Object.entries(el.buttons)) {
      button.setAttribute('aria-disabled', String(!state || !enabled(name)));
    }
    const shown = screenShown();
    for (const button of el.screens) {
      button.setAttribute('aria-pressed', String(!!state && button.dataset.screen === shown));
      button.setAttribute('aria-disabled', String(!state));
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

    renderTally();
    renderCountdown();
    renderHandTarget();
    el.cdStart.setAttribute('aria-disabled', String(!prop));
    el.cdStop.setAttribute('aria-disabled', String(!(state && state.deadline)));
    Live.setText(el.cmdStatus, busy.size ? S.pending : '');
  }

  function figuresLine(counts, format) {
    return choices.map((c) => choiceLabel(c) + ' ' + format(counts[c] || 0)).join(' · ');
  }

  function renderTally() {
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

    const marker = tally ? tally.marker : null;
    Live.show(el.marker, marker === 'consensus' || marker === 'divided');
    if (marker) {
      Live.setText(el.marker, S['marker_' + marker] || marker);
      el.marker.dataset.marker = marker;
    }

    const manual = tally && tally.manual ? tally.manual : null;
    Live.show(el.manual, !!manual);
    if (manual) Live.setText(el.manualText, Live.format(S.manual, { figures: figuresLine(manual, (v) => num.n(v)) }));

    if (el.equalWeight) {
      const ew = tally && tally.equal_weight ? tally.equal_weight : null;
      Live.show(el.equalWeight, !!ew);
      if (ew) Live.setText(el.equalWeight, Live.format(S.equal_weight, { figures: figuresLine(ew, percent) }));
    }
    if (el.splitBody) renderSplit(tally && tally.by_perspective ? tally.by_perspective : null);
  }

  function renderSplit(groups) {
    const rows = perspectives.map((name) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = name;
      tr.append(th);
      const group = groups ? groups[name] : undefined;
      if (group) {
        // on a phone the voters column is hidden: the number goes under the name
        const sub = document.createElement('span');
        sub.className = 'cell-sub cell-voters-sub';
        sub.textContent = num.count(group.voters || 0, S.voters_one, S.voters_other);
        th.append(' ', sub);
      }
      if (group === null) {
        const td = document.createElement('td');
        td.colSpan = choices.length + 1; // spans the voters column too, hidden or not
        td.className = 'cell-too-few';
        td.textContent = S.too_few;
        tr.append(td);
        return tr;
      }
      const gCounts = group && group.counts ? group.counts : {};
      const gVoters = group ? group.voters || 0 : 0;
      for (const choice of choices) {
        const td = document.createElement('td');
        td.className = 'cell-num';
        const count = gCounts[choice] || 0;
        if (group) {
          const sub = document.createElement('span');
          sub.className = 'cell-sub';
          sub.textContent = num.pct(Live.share(count, gVoters));
          td.append(num.n(count), ' ', sub);
        } else {
          td.textContent = '–';
        }
        tr.append(td);
      }
      const td = document.createElement('td');
      td.className = 'cell-num col-voters';
      td.textContent = group ? num.n(gVoters) : '–';
      tr.append(td);
      return tr;
    });
    el.splitBody.replaceChildren(...rows);
  }

  function renderHandTarget() {
    const prop = currentProposition();
    Live.setText(el.handTarget, prop
      ? Live.format(S.hand_target, { n: num.n(prop.index + 1), round: num.n(state.round || 1) })
      : S.hand_none);
    el.handSubmit.setAttribute('aria-disabled', String(!prop));
  }

  // --- countdown ---------------------------------------------------------------------------

  let countdownTimer = 0;

  function formatTime(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const minutes = Math.floor(total / 60);
    const seconds = total % 60;
    return minutes + ':' + String(seconds).padStart(2, '0');
  }

  function renderCountdown() {
    const deadline = state && typeof state.deadline === 'number' ? state.deadline : null;
    if (deadline === null) {
      clearInterval(countdownTimer);
      countdownTimer = 0;
      Live.setText(el.cdRemaining, S.no_countdown);
      el.cdRemaining.dataset.running = 'false';
      return;
    }
    const left = deadline - (Date.now() + clockOffset);
    if (left <= 0) {
      Live.setText(el.cdRemaining, S.time_up);
      el.cdRemaining.dataset.running = 'done';
      clearInterval(countdownTimer);
      countdownTimer = 0;
      return;
    }
    const template = state.auto_close && state.phase === 'open' ? S.remaining_close : S.remaining;
    Live.setText(el.cdRemaining, Live.format(template, { time: formatTime(left) }));
    el.cdRemaining.dataset.running = 'true';
    if (!countdownTimer) countdownTimer = setInterval(renderCountdown, 250);
  }

  function startCountdown(event) {
    event.preventDefault();
    if (!currentProposition()) return;
    const seconds = Number(el.cdSeconds.value);
    if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600) {
      el.cdSeconds.setAttribute('aria-invalid', 'true');
      showAlert(S.error_seconds);
      el.cdSeconds.focus();
      return;
    }
    el.cdSeconds.removeAttribute('aria-invalid');
    run('countdown-start', { type: 'countdown', seconds, close: el.cdClose.checked }, el.cdStart);
  }

  function stopCountdown() {
    if (!(state && state.deadline)) return;
    // its own key: a stop right after a start must not be swallowed while the start's ack is on its way
    run('countdown-stop', { type: 'countdown', seconds: null }, el.cdStop);
  }

  // --- hand counts -----------------------------------------------------------------------

  async function sendHandCount(event) {
    event.preventDefault();
    const prop = currentProposition();
    if (!prop) return;
    const counts = {};
    for (const choice of choices) {
      const input = el.handForm.elements.namedItem(choice);
      const raw = input.value.trim();
      const value = raw === '' ? 0 : Number(raw);
      const bad = !Number.isInteger(value) || value < 0 || value > 1000000;
      if (bad) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      counts[choice] = value;
    }
    if (Object.values(counts).some((v) => !Number.isInteger(v) || v < 0 || v > 1000000)) {
      Live.setText(el.handStatus, S.error_number);
      el.handStatus.dataset.kind = 'error';
      return;
    }
    const perspective = el.handGroup && el.handGroup.value ? el.handGroup.value : null;
    Live.setText(el.handStatus, S.pending);
    el.handStatus.dataset.kind = 'pending';
    const ack = await run('hand', {
      type: 'hand_count', proposition: prop.id, round: state.round || 1, counts, perspective,
    }, el.handSubmit, (text) => {
      Live.setText(el.handStatus, text);
      el.handStatus.dataset.kind = 'error';
    });
    if (ack) {
      Live.setText(el.handStatus, S.saved);
      el.handStatus.dataset.kind = 'ok';
    }
  }

  // --- questions -------------------------------------------------------------------------

  function visibleItems() {
    let items = questions.items.filter((q) => q.status === view.tab);
    if (view.from !== ANY) items = items.filter((q) => (q.perspective || '') === view.from);
    if (view.to !== ANY) items = items.filter((q) => (q.to || '') === view.to);
    const byTime = (a, b) => questionNumber(a.id) - questionNumber(b.id);
    if (view.sort === 'votes') items.sort((a, b) => (b.votes || 0) - (a.votes || 0) || byTime(a, b));
    else if (view.sort === 'newest') items.sort((a, b) => byTime(b, a));
    else items.sort(byTime);
    return items;
  }

  function actionsFor(q) {
    switch (q.status) {
      case 'waiting':
        return ['approve', 'pin', 'reject'];
      case 'visible':
        return ['answer', q.pinned ? 'unpin' : 'pin', 'reject'];
      case 'answered':
        return [q.pinned ? 'unpin' : 'pin', 'restore', 'reject'];
      case 'rejected':
        return ['restore'];
      default:
        return [];
    }
  }

  function buildQuestion(id) {
    const li = document.createElement('li');
    li.className = 'mq-item';
    li.dataset.id = id;
    const text = document.createElement('p');
    text.className = 'mq-text';
    text.id = 'mq-text-' + id;
    text.dir = 'auto';
    const meta = document.createElement('p');
    meta.className = 'mq-meta';
    const actions = document.createElement('div');
    actions.className = 'mq-actions';
    li.append(text, meta, actions);
    return li;
  }

  function metaPart(className, text, tag = 'span') {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function updateQuestion(li, q) {
    li.dataset.status = q.status;
    li.classList.toggle('is-pinned', !!q.pinned);
    const text = li.querySelector('.mq-text');
    Live.setText(text, q.text);

    const meta = li.querySelector('.mq-meta');
    const parts = [metaPart('mq-votes', num.count(q.votes || 0, S.votes_one, S.votes_other))];
    const name = metaPart('mq-name', q.name ? q.name : S.anonymous, 'bdi');
    if (!q.name) name.classList.add('is-anonymous');
    parts.push(name);
    if (q.perspective) parts.push(metaPart('mq-from', Live.format(S.from, { perspective: q.perspective })));
    if (q.to) parts.push(metaPart('mq-to', Live.format(S.to, { perspective: q.to })));
    if (q.pinned) parts.push(metaPart('badge badge-pinned', S.pinned));
    const signature = JSON.stringify([q.votes, q.name, q.perspective, q.to, q.pinned, cfg.lang]);
    if (meta.dataset.signature !== signature) {
      meta.dataset.signature = signature;
      meta.replaceChildren(...parts);
    }

    const actions = li.querySelector('.mq-actions');
    const wanted = actionsFor(q);
    const have = Array.from(actions.children, (b) => b.dataset.action);
    if (have.join() !== wanted.join()) {
      const focused = actions.contains(document.activeElement) ? document.activeElement.dataset.action : null;
      actions.replaceChildren(...wanted.map((action) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'btn mq-action mq-action-' + action;
        button.dataset.action = action;
        button.textContent = S['action_' + action];
        button.setAttribute('aria-describedby', text.id);
        return button;
      }));
      const again = focused && actions.querySelector('[data-action="' + focused + '"]');
      if (again) again.focus();
      else if (focused) actions.firstElementChild && actions.firstElementChild.focus();
    }
    const pending = busy.has('q:' + q.id);
    for (const button of actions.children) {
      button.setAttribute('aria-disabled', String(pending));
    }
  }

  function renderQuestions() {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const q of questions.items) if (q.status in counts) counts[q.status] += 1;
    for (const status of STATUSES) Live.setText(el.tabCounts[status], num.n(counts[status]));
    Live.setText(el.waitingCount, num.n(counts.waiting));
    el.waitingBadge.dataset.count = String(counts.waiting);
    for (const tab of el.tabs) tab.setAttribute('aria-pressed', String(tab.dataset.tab === view.tab));

    if (questions.premoderation !== null && !busy.has('premoderation')) {
      el.premoderation.checked = !!questions.premoderation;
    }
    if (questions.wall && !busy.has('wall')) {
      for (const radio of el.wallRadios) radio.checked = radio.value === questions.wall;
    }
    if (el.mix) renderMix();

    const items = visibleItems();
    const focusedItem = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('.mq-item') : null;
    const focusedIndex = focusedItem ? Array.prototype.indexOf.call(el.qList.children, focusedItem) : -1;
    const keep = new Set(items.map((q) => q.id));
    for (const [id, li] of questionNodes) {
      if (!keep.has(id)) {
        li.remove();
        questionNodes.delete(id);
      }
    }
    items.forEach((q, index) => {
      let li = questionNodes.get(q.id);
      if (!li) {
        li = buildQuestion(q.id);
        questionNodes.set(q.id, li);
      }
      updateQuestion(li, q);
      // Move only what is out of place: a node that stays put keeps its focus.
      if (el.qList.children[index] !== li) el.qList.insertBefore(li, el.qList.children[index] || null);
    });
    Live.show(el.qEmpty, items.length === 0);
    // The focused question left this list (approved, rejected ...): keep the keyboard nearby.
    if (focusedItem && !focusedItem.isConnected) {
      const next = el.qList.children[Math.min(focusedIndex, el.qList.children.length - 1)];
      const target = next ? next.querySelector('button') : null;
      if (target) target.focus();
      else $('questions').focus();
    }
  }

  function renderMix() {
    const groups = new Map(perspectives.map((name) => [name, 0]));
    let none = 0;
    for (const q of questions.items) {
      if (q.status !== 'waiting' && q.status !== 'visible') continue;
      if (q.perspective) groups.set(q.perspective, (groups.get(q.perspective) || 0) + 1);
      else none += 1;
    }
    const items = Array.from(groups);
    items.push([S.no_perspective, none]);
    el.mix.replaceChildren(...items.map(([name, count]) => {
      const li = document.createElement('li');
      li.className = 'mq-mix-item';
      li.dataset.empty = String(count === 0);
      const label = document.createElement('span');
      label.className = 'mq-mix-name';
      label.textContent = name;
      const value = document.createElement('strong');
      value.className = 'mq-mix-count';
      value.textContent = num.n(count);
      li.append(label, ' ', value);
      return li;
    }));
  }

  function moderateQuestion(id, action, button) {
    const q = questions.items.find((item) => item.id === id);
    if (!q || busy.has('q:' + id)) return;
    if (action === 'reject' && !window.confirm(S.confirm_reject)) return;
    const wire = action === 'restore' ? 'approve' : action;
    run('q:' + id, { type: 'question', question: id, action: wire }, button);
  }

  // A setting is stored once acknowledged: show it at once (the questions message that
  // confirms it may come a moment later); on an error the switch goes back to the server's value.
  async function setPremoderation() {
    const wanted = el.premoderation.checked;
    if (await run('premoderation', { type: 'settings', premoderation: wanted }, el.premoderation)) {
      questions.premoderation = wanted;
    }
    renderQuestions();
  }

  async function setWall(value, radio) {
    if (await run('wall', { type: 'settings', wall: value }, radio)) questions.wall = value;
    renderQuestions();
  }

  function saveView() {
    Live.store.set('live-moderate-view', view);
  }

  // --- messages --------------------------------------------------------------------------

  function onState(msg) {
    if (typeof msg.seq === 'number') {
      if (msg.seq < lastSeq) return;
      lastSeq = msg.seq;
    }
    const before = currentId();
    const beforeRound = state ? state.round : null;
    if (typeof msg.server_time === 'number') clockOffset = msg.server_time - Date.now();
    state = msg;
    if (currentId() !== before || msg.round !== beforeRound) {
      tally = null;
      Live.setText(el.handStatus, '');
    }
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

  function onQuestions(msg) {
    if (typeof msg.seq === 'number' && msg.seq < questions.seq) return;
    questions = {
      seq: typeof msg.seq === 'number' ? msg.seq : questions.seq,
      items: Array.isArray(msg.items) ? msg.items : [],
      premoderation: typeof msg.premoderation === 'boolean' ? msg.premoderation : questions.premoderation,
      wall: typeof msg.wall === 'string' ? msg.wall : questions.wall,
    };
    renderQuestions();
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

  function onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        lastSeq = -1;
        if (msg.event && Array.isArray(msg.event.propositions)) {
          propositions = sortByIndex(msg.event.propositions);
          renderList();
        }
        if (msg.event && Array.isArray(msg.event.perspectives)) perspectives = msg.event.perspectives;
        if (msg.event && Array.isArray(msg.event.choices)) choices = msg.event.choices;
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
        Live.setText(el.presence, num.n(msg.online || 0));
        renderAlerts(msg.alerts);
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

  // One address minting many identities (see docs/security.md): say so, calmly, while it lasts.
  function renderAlerts(alerts) {
    const burst = alerts && Number.isFinite(alerts.identity_burst) ? alerts.identity_burst : 0;
    Live.show(el.presenceAlert, burst > 0);
    Live.setText(el.presenceAlert, burst > 0 ? Live.format(S.identity_burst, { count: num.n(burst) }) : '');
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
  for (const button of el.screens) {
    button.addEventListener('click', () => showScreen(button.dataset.screen));
  }
  el.alertClose.addEventListener('click', clearAlert);
  el.logout.addEventListener('submit', (event) => {
    if (!window.confirm(S.confirm_logout)) event.preventDefault();
  });
  el.countdown.addEventListener('submit', startCountdown);
  el.cdStop.addEventListener('click', stopCountdown);
  el.handForm.addEventListener('submit', sendHandCount);
  el.premoderation.addEventListener('change', setPremoderation);
  for (const radio of el.wallRadios) {
    radio.addEventListener('change', () => {
      if (radio.checked) setWall(radio.value, radio);
    });
  }
  for (const tab of el.tabs) {
    tab.addEventListener('click', () => {
      view.tab = tab.dataset.tab;
      saveView();
      renderQuestions();
    });
  }
  el.sort.value = view.sort;
  el.sort.addEventListener('change', () => {
    view.sort = el.sort.value;
    saveView();
    renderQuestions();
  });
  for (const [key, select] of [['from', el.from], ['to', el.to]]) {
    if (!select) continue;
    if (Array.from(select.options).some((o) => o.value === view[key])) select.value = view[key];
    else view[key] = ANY;
    select.addEventListener('change', () => {
      view[key] = select.value;
      saveView();
      renderQuestions();
    });
  }
  if (!el.from) view.from = ANY;
  if (!el.to) view.to = ANY;
  el.qList.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || button.getAttribute('aria-disabled') === 'true') return;
    const li = button.closest('.mq-item');
    moderateQuestion(li.dataset.id, button.dataset.action, button);
  });

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
        // On a question's button, a tab or a link Space keeps its own meaning (press it);
        // on the proposition controls and everywhere else it opens or closes voting.
        if (target.closest && target.closest('a, button') && !target.closest('.controls, .prop-list')) return;
        action = state && state.phase === 'open' ? 'close' : 'open';
        swallowSpaceKeyUp = true; // a focused button would otherwise click on keyup
        break;
      case 'r':
      case 'R':
        action = state && state.revealed ? 'hide' : 'reveal';
        break;
      case 'q':
      case 'Q':
        action = 'screen';
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
  renderQuestions();
  conn.start();
})();
