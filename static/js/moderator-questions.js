/* live: the moderator's questions: the lists by status, approving, rejecting, pinning and
   answering, and the settings of the question wall. User data only goes in textContent. */
import { byTime, byVotes, format, setText, show, store } from './connection.js';

const STATUSES = ['waiting', 'visible', 'answered', 'rejected'];
const ANY = '*';
const VIEW_KEY = 'live:moderator-view';

export function setupQuestions(ctx) {
  const { cfg, S, num, busy } = ctx;
  const $ = (id) => document.getElementById(id);
  const el = {
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
  };
  let questions = { seq: -1, items: [], premoderation: null, wall: null };
  store.rename('live-moderate-view', VIEW_KEY);
  const view = Object.assign({ tab: 'waiting', sort: 'votes', from: ANY, to: ANY }, store.get(VIEW_KEY, {}));
  if (!STATUSES.includes(view.tab)) view.tab = 'waiting';
  const questionNodes = new Map(); // question id -> <li>

  function visibleItems() {
    let items = questions.items.filter((q) => q.status === view.tab);
    if (view.from !== ANY) items = items.filter((q) => (q.perspective || '') === view.from);
    if (view.to !== ANY) items = items.filter((q) => (q.to || '') === view.to);
    if (view.sort === 'votes') items.sort(byVotes);
    else if (view.sort === 'newest') items.sort(byTime);
    else items.sort((a, b) => byTime(b, a));
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
    setText(text, q.text);

    const meta = li.querySelector('.mq-meta');
    const parts = [metaPart('mq-votes', num.count(q.votes || 0, S.votes_one, S.votes_other))];
    const name = metaPart('mq-name', q.name ? q.name : S.anonymous, 'bdi');
    if (!q.name) name.classList.add('is-anonymous');
    parts.push(name);
    if (q.perspective) parts.push(metaPart('mq-from', format(S.from, { perspective: q.perspective })));
    if (q.to) parts.push(metaPart('mq-to', format(S.to, { name: q.to })));
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
    for (const status of STATUSES) setText(el.tabCounts[status], num.n(counts[status]));
    setText(el.waitingCount, num.n(counts.waiting));
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
    show(el.qEmpty, items.length === 0);
    // The focused question left this list (approved, rejected ...): keep the keyboard nearby.
    if (focusedItem && !focusedItem.isConnected) {
      const next = el.qList.children[Math.min(focusedIndex, el.qList.children.length - 1)];
      const target = next ? next.querySelector('button') : null;
      if (target) target.focus();
      else $('questions').focus();
    }
  }

  function renderMix() {
    const groups = new Map(ctx.perspectives.map((name) => [name, 0]));
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
    ctx.run('q:' + id, { type: 'question', question: id, action: wire }, button);
  }

  // A setting is stored once acknowledged: show it at once (the questions message that
  // confirms it may come a moment later); on an error the switch goes back to the server's value.
  async function setPremoderation() {
    const wanted = el.premoderation.checked;
    if (await ctx.run('premoderation', { type: 'settings', premoderation: wanted }, el.premoderation)) {
      questions.premoderation = wanted;
    }
    renderQuestions();
  }

  async function setWall(value, radio) {
    if (await ctx.run('wall', { type: 'settings', wall: value }, radio)) questions.wall = value;
    renderQuestions();
  }

  function saveView() {
    store.set(VIEW_KEY, view);
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

  return { render: renderQuestions, onQuestions };
}
