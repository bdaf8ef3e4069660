/* live: the phone's questions tab: ask a question, upvote others'. Loaded by audience.js
   with import() when the tab is first opened (why: audience.js, "questions tab"). */
import { byTime, byVotes, format, make, numbers, setText, show, store } from './connection.js';

export function setupQuestions({ cfg, S, conn, failure, askedKey }) {
  const num = numbers(cfg.lang);
  const $ = (id) => document.getElementById(id);
  const el = {
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

  let questions = []; // items of the last "questions" message
  let questionsSeq = -1;
  let sortBy = 'votes';
  const upvoted = new Set();
  const upPending = new Set();
  const asked = new Set(store.get(askedKey, []) || []);
  const rows = new Map(); // question id -> {li, parts}
  let asking = false;

  function sorted() {
    const items = questions.slice();
    if (sortBy === 'time') return items.sort(byTime);
    // Your waiting questions first, then the open ones by votes, answered ones last.
    const rank = (item) => (item.status === 'waiting' ? 0 : item.status === 'answered' ? 2 : 1);
    return items.sort((a, b) => rank(a) - rank(b) || byVotes(a, b));
  }

  function makeRow() {
    const li = make('li', 'q-item');
    const body = make('div', 'q-body');
    const text = make('p', 'q-text');
    const meta = make('p', 'q-meta');
    const name = make('span', 'q-name');
    const to = make('span', 'q-to');
    const badge = make('span', 'q-badge');
    const mine = make('span', 'q-mine', S.mine);
    meta.append(name, to, mine, badge);
    body.append(text, meta);
    const up = make('button', 'q-up');
    up.type = 'button';
    const label = make('span', 'visually-hidden', S.upvote + ': ');
    const arrow = make('span', 'q-arrow', '▲');
    arrow.setAttribute('aria-hidden', 'true');
    const count = make('span', 'q-votes');
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
      setText(row.text, item.text);
      setText(row.name, item.name || S.anonymous);
      row.name.classList.toggle('is-anonymous', !item.name);
      show(row.to, !!item.to);
      setText(row.to, item.to ? format(S.to, { name: item.to }) : '');
      show(row.mine, asked.has(item.id));
      const badge = item.status === 'waiting' ? S.waiting : item.status === 'answered' ? S.answered : '';
      show(row.badge, !!badge);
      setText(row.badge, badge);
      row.li.dataset.status = item.status;
      // Only listed questions can be upvoted; your waiting ones cannot yet.
      show(row.up, item.status !== 'waiting');
      row.up.setAttribute('aria-pressed', String(upvoted.has(item.id)));
      row.up.classList.toggle('is-pending', upPending.has(item.id));
      setText(row.count, num.n(item.votes || 0));
      if (el.qList.children[index] !== row.li) el.qList.insertBefore(row.li, el.qList.children[index] || null);
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    show(el.qEmpty, !items.length);
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
    setText(el.qNotice, '');
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
      setText(el.qNotice, failure(err));
    }
    upPending.delete(id);
    renderQuestions();
  }

  function updateCounter() {
    const length = Array.from(el.askText.value).length; // characters, not UTF-16 units
    setText(el.askCount, num.n(length) + '/' + num.n(cfg.max_question));
    const over = length > cfg.max_question;
    el.askCount.classList.toggle('is-over', over);
    if (over) el.askText.setAttribute('aria-invalid', 'true');
    else el.askText.removeAttribute('aria-invalid');
  }

  function setAskStatus(text, isError) {
    setText(el.askStatus, text);
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
        store.set(askedKey, Array.from(asked).slice(-50));
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

  updateCounter();
  return {
    onQuestions,
    // a new connection: its first snapshot may have any seq
    reset() {
      questionsSeq = -1;
    },
  };
}
