/* live: linking a proposition by hand to the same stelling at an earlier debate (perhaps
   re-worded), so the report and the projector show its trend. The moderator types the
   earlier debate's code; its propositions come from its public results
   (GET /api/events/{code}/results) and each is a button: no list or select that would
   take the console's arrow keys. One command: link_proposition (docs/protocol.md). */
import { setText } from './connection.js';

export function linkInPlace(ctx, li, p, report) {
  const { S } = ctx;
  const form = document.createElement('form');
  form.className = 'prop-edit prop-link';
  const code = document.createElement('input');
  code.type = 'text';
  code.maxLength = 12;
  code.autocomplete = 'off';
  code.setAttribute('autocapitalize', 'characters');
  code.setAttribute('aria-label', S.link_code);
  code.placeholder = S.link_code;
  const find = button(S.link_find, 'submit');
  const cancel = button(S.cancel);
  const status = document.createElement('p');
  status.className = 'hint';
  status.setAttribute('role', 'status');
  const choices = document.createElement('div');
  choices.className = 'prop-link-choices';
  choices.setAttribute('role', 'group');
  choices.setAttribute('aria-label', S.link_pick);
  form.append(code, find, cancel);
  if (p.linked) {
    const unlink = button(S.unlink);
    unlink.addEventListener('click', () => send(null, unlink));
    form.append(unlink);
  }
  form.append(status, choices);

  const shown = Array.from(li.children);
  for (const child of shown) child.hidden = true;
  li.append(form);
  code.focus();
  const close = () => {
    form.remove();
    for (const child of shown) child.hidden = false;
  };
  cancel.addEventListener('click', close);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });

  async function send(previous, pressed) {
    const ack = await ctx.run('edit', { type: 'link_proposition', proposition: p.id, previous }, pressed, report);
    if (ack) close();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const earlier = code.value.replace(/[\s-]/g, '').toUpperCase();
    if (!earlier) return;
    setText(status, S.pending);
    choices.replaceChildren();
    let found = null;
    try {
      const response = await fetch(`/api/events/${encodeURIComponent(earlier)}/results`, { credentials: 'same-origin' });
      if (response.ok) found = await response.json();
    } catch (err) {
      found = null;
    }
    if (!found || !found.propositions || !found.propositions.length) {
      setText(status, S.link_none);
      return;
    }
    setText(status, found.title || '');
    choices.replaceChildren(...found.propositions.map((q, i) => {
      const pick = button(`${i + 1}. ${q.text}`);
      pick.dir = 'auto';
      pick.dataset.previous = q.id;
      pick.addEventListener('click', () => send({ code: found.code, proposition: q.id }, pick));
      return pick;
    }));
  });
}

function button(label, type = 'button') {
  const b = document.createElement('button');
  b.type = type;
  b.className = 'btn';
  b.textContent = label;
  return b;
}
