/* live: hand counts for people without a phone. The form says what it counts for (the
   whole hall, or one perspective) and which proposition and round; it is empty again
   when the proposition changes and only its own button saves it (no shortcut does).
   The saved counts are listed per proposition and round, each can be corrected (back
   in the form) or cleared (all zeros). Per proposition and round they are either for the
   whole hall or per perspective, never both; the form says which is stored. */
import { figures, format, setText } from './connection.js';

export function setupHands(ctx) {
  const { S, num } = ctx;
  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('hand-form'),
    target: $('hand-target'),
    meaning: $('hand-meaning'),
    mode: $('hand-mode'),
    group: $('hand-group'),
    submit: $('hand-submit'),
    cancel: $('hand-cancel'),
    status: $('hand-status'),
    saved: $('hand-saved'),
    none: $('hand-saved-none'),
  };
  let correcting = null; // {proposition, round}: a saved count back in the form
  let items = [];
  let manualKey = '';

  function target() {
    if (correcting) return correcting;
    const prop = ctx.proposition();
    return prop ? { proposition: prop.id, round: ctx.state.round || 1 } : null;
  }

  function numberOf(id) {
    const prop = ctx.propositions.find((p) => p.id === id);
    return prop ? num.n(prop.index + 1) : '?';
  }

  function groupText(perspective) {
    return perspective ? format(S.hand_for_group, { group: perspective }) : S.hand_for_hall;
  }

  function render() {
    const aim = target();
    setText(el.target, aim ? format(S.hand_target, { n: numberOf(aim.proposition), round: num.n(aim.round) }) : S.hand_none);
    setText(el.meaning, groupText(el.group && el.group.value ? el.group.value : null));
    el.submit.setAttribute('aria-disabled', String(!aim));
    el.cancel.hidden = !correcting;
    renderMode(aim);
    // a show of hands changed somewhere (this console or another): list them again
    const key = ctx.tally && ctx.tally.manual ? ctx.currentId() + JSON.stringify(ctx.tally.manual) : '';
    if (key !== manualKey) {
      manualKey = key;
      refresh();
    }
  }

  // Which kind of group is stored for the target's round: the other is refused by the
  // server (hand_count_mode), so the form says so before the moderator types.
  function renderMode(aim) {
    const stored = aim ? items.filter((i) => i.proposition === aim.proposition && i.round === aim.round) : [];
    const groups = stored.filter((i) => i.perspective).map((i) => i.perspective);
    let text = '';
    if (stored.some((i) => !i.perspective)) text = S.hand_mode_hall;
    else if (groups.length) text = format(S.hand_mode_groups, { groups: groups.join(', ') });
    setText(el.mode, text);
    el.mode.hidden = !text;
  }

  function fill(counts, perspective) {
    for (const choice of ctx.choices) {
      const input = el.form.elements.namedItem(choice);
      input.value = counts && counts[choice] ? String(counts[choice]) : '';
      input.removeAttribute('aria-invalid');
    }
    if (el.group) el.group.value = perspective || '';
  }

  async function refresh() {
    let ack;
    try {
      ack = await ctx.conn.command({ type: 'hand_counts' });
    } catch (err) {
      return; // offline: the next connection lists them again
    }
    items = Array.isArray(ack.items) ? ack.items : [];
    renderSaved();
    renderMode(target());
  }

  function renderSaved() {
    const rows = items.map((item) => {
      const li = document.createElement('li');
      li.className = 'hand-saved-item';
      const text = document.createElement('span');
      text.className = 'hand-saved-text';
      text.textContent = format(S.hand_saved, {
        n: numberOf(item.proposition), round: num.n(item.round), group: item.perspective || S.hand_whole_hall,
        figures: figures(ctx.choices, S.labels, (choice) => num.n(item.counts[choice] || 0)),
      });
      const correct = document.createElement('button');
      correct.type = 'button';
      correct.className = 'btn btn-small';
      correct.textContent = S.hand_correct;
      correct.addEventListener('click', () => {
        correcting = { proposition: item.proposition, round: item.round };
        fill(item.counts, item.perspective);
        setText(el.status, '');
        render();
        el.form.elements.namedItem(ctx.choices[0]).focus();
      });
      const clear = document.createElement('button');
      clear.type = 'button';
      clear.className = 'btn btn-small';
      clear.textContent = S.hand_clear;
      clear.addEventListener('click', async () => {
        if (!window.confirm(S.confirm_hand_clear)) return;
        const zeros = Object.fromEntries(ctx.choices.map((choice) => [choice, 0]));
        const ack = await ctx.run('hand', {
          type: 'hand_count', proposition: item.proposition, round: item.round, counts: zeros,
          perspective: item.perspective,
        }, clear);
        if (ack) refresh();
      });
      li.append(text, ' ', correct, ' ', clear);
      return li;
    });
    el.saved.replaceChildren(...rows);
    el.none.hidden = rows.length > 0;
  }

  async function send(event) {
    event.preventDefault();
    const aim = target();
    if (!aim) return;
    const counts = {};
    let bad = false;
    for (const choice of ctx.choices) {
      const input = el.form.elements.namedItem(choice);
      const raw = input.value.trim();
      const value = raw === '' ? 0 : Number(raw);
      const wrong = !Number.isInteger(value) || value < 0 || value > 1000000;
      if (wrong) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      bad = bad || wrong;
      counts[choice] = value;
    }
    if (bad) {
      setText(el.status, S.error_number);
      el.status.dataset.kind = 'error';
      return;
    }
    const perspective = el.group && el.group.value ? el.group.value : null;
    setText(el.status, S.pending);
    el.status.dataset.kind = 'pending';
    const ack = await ctx.run('hand', { type: 'hand_count', ...aim, counts, perspective }, el.submit, (text) => {
      setText(el.status, text);
      el.status.dataset.kind = 'error';
    });
    if (ack) {
      setText(el.status, S.saved);
      el.status.dataset.kind = 'ok';
      refresh();
    }
  }

  el.form.addEventListener('submit', send);
  if (el.group) el.group.addEventListener('change', render);
  el.cancel.addEventListener('click', () => clear());

  // another proposition or round: an empty form, for the current one
  function clear() {
    correcting = null;
    fill(null, null);
    setText(el.status, '');
    render();
  }

  return { render, clear, refresh };
}
