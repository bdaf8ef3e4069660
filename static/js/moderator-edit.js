/* live: editing the debate from the console: add a proposition (at the end or after the
   current one), fix its text in place, move it up or down (buttons or drag), remove one
   without votes.
   Each is one command (add_proposition, edit_proposition, move_proposition,
   remove_proposition, link_proposition: moderator-link.js); the new list comes back to
   every console as `propositions`.
   And the perspectives, before the first vote (edit_perspectives). */
import { setText } from './connection.js';
import { linkInPlace } from './moderator-link.js';

export function setupEdit(ctx) {
  const { S } = ctx;
  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('add-form'),
    text: $('add-text'),
    after: $('add-after'),
    submit: $('add-submit'),
    status: $('add-status'),
    perspForm: $('persp-form'),
    perspNames: $('persp-names'),
    perspSubmit: $('persp-submit'),
    perspStatus: $('persp-status'),
  };

  function tool(label, name, action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn prop-tool';
    button.dataset.tool = name;
    button.setAttribute('aria-label', label);
    button.title = label;
    button.textContent = { up: '↑', down: '↓', edit: '✎', link: '⇆', remove: '✕' }[name];
    button.addEventListener('click', () => action(button));
    return button;
  }

  function report(text) {
    ctx.showAlert(text);
  }

  // The tools of one proposition in the list: up, down, edit, remove.
  function decorate(li, p) {
    const at = ctx.propositions.findIndex((q) => q.id === p.id);
    const bar = document.createElement('span');
    bar.className = 'prop-tools';
    const up = tool(S.move_up, 'up', (b) => ctx.run('edit', { type: 'move_proposition', proposition: p.id, index: at - 1 }, b));
    const down = tool(S.move_down, 'down', (b) => ctx.run('edit', { type: 'move_proposition', proposition: p.id, index: at + 1 }, b));
    up.setAttribute('aria-disabled', String(at <= 0));
    down.setAttribute('aria-disabled', String(at >= ctx.propositions.length - 1));
    if (at <= 0) up.disabled = true;
    if (at >= ctx.propositions.length - 1) down.disabled = true;
    const edit = tool(S.edit_text, 'edit', () => editInPlace(li, p));
    const remove = tool(S.remove, 'remove', (b) => {
      if (!window.confirm(S.confirm_remove)) return;
      ctx.run('edit', { type: 'remove_proposition', proposition: p.id }, b);
    });
    // the same stelling at an earlier debate, for the trend (a linked one shows it pressed)
    const link = tool(p.linked ? S.linked : S.link, 'link', () => linkInPlace(ctx, li, p, report));
    link.setAttribute('aria-pressed', String(!!p.linked));
    bar.append(up, down, edit, link, remove);
    li.append(bar);
    // by drag as well: drop a proposition on another to take its place
    li.draggable = true;
    li.dataset.id = p.id;
    li.addEventListener('dragstart', (event) => {
      event.dataTransfer.setData('application/x-live-proposition', p.id);
      event.dataTransfer.effectAllowed = 'move';
      li.classList.add('is-dragged');
    });
    li.addEventListener('dragend', () => li.classList.remove('is-dragged'));
    li.addEventListener('dragover', (event) => {
      if (event.dataTransfer.types.includes('application/x-live-proposition')) event.preventDefault();
    });
    li.addEventListener('drop', (event) => {
      const id = event.dataTransfer.getData('application/x-live-proposition');
      event.preventDefault();
      if (id && id !== p.id) ctx.run('edit', { type: 'move_proposition', proposition: id, index: at }, null);
    });
  }

  function editInPlace(li, p) {
    const form = document.createElement('form');
    form.className = 'prop-edit';
    const input = document.createElement('input');
    input.type = 'text';
    input.value = p.text;
    input.maxLength = 500;
    input.setAttribute('aria-label', S.edit_text);
    const save = document.createElement('button');
    save.type = 'submit';
    save.className = 'btn';
    save.textContent = S.save;
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'btn';
    cancel.textContent = S.cancel;
    form.append(input, save, cancel);
    const shown = Array.from(li.children);
    for (const child of shown) child.hidden = true;
    li.append(form);
    input.focus();
    const close = () => {
      form.remove();
      for (const child of shown) child.hidden = false;
    };
    cancel.addEventListener('click', close);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') close();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      if (text === p.text) {
        close();
        return;
      }
      const ack = await ctx.run('edit', { type: 'edit_proposition', proposition: p.id, text }, save, report);
      if (ack) close();
    });
  }

  async function add(event) {
    event.preventDefault();
    const text = el.text.value.trim();
    if (!text) {
      el.text.focus();
      return;
    }
    const after = el.after && el.after.checked ? ctx.currentId() : null;
    setText(el.status, S.pending);
    const ack = await ctx.run('add', { type: 'add_proposition', text, after }, el.submit, (message) => {
      setText(el.status, message);
    });
    if (ack) {
      el.text.value = '';
      setText(el.status, S.added);
    }
  }

  // The perspectives, one per line: replaced as a whole, refused once a vote is in. The
  // page loads itself again with the new ones (connection.js, followPerspectives).
  async function savePerspectives(event) {
    event.preventDefault();
    const perspectives = el.perspNames.value.split('\n').map((line) => line.trim()).filter(Boolean);
    setText(el.perspStatus, S.pending);
    const ack = await ctx.run('perspectives', { type: 'edit_perspectives', perspectives }, el.perspSubmit,
      (message) => setText(el.perspStatus, message));
    if (ack) setText(el.perspStatus, S.saved);
  }

  el.form.addEventListener('submit', add);
  if (el.perspForm) el.perspForm.addEventListener('submit', savePerspectives);
  return { decorate };
}
