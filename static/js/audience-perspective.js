/* live: the phone's perspective ("from which perspective do you vote?"): asked once on
   joining, shown small with a way to change it. */
import { setText, show, store } from './connection.js';

export function setupPerspective({ cfg, S, conn, failure, skippedKey }) {
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
