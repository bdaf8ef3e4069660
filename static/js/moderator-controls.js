/* live: the moderator's controls: commands with their pending state and errors (the
   alert box), the proposition buttons, what the projector shows, and the keyboard. */
import { setText } from './connection.js';

export function setupControls(ctx) {
  const { S, busy } = ctx;
  const $ = (id) => document.getElementById(id);
  const el = {
    alert: $('alert'),
    alertText: $('alert-text'),
    alertClose: $('alert-close'),
    cmdStatus: $('cmd-status'),
    logout: $('logout-form'),
    logoutAll: $('logout-all-form'),
    rotate: $('rotate-form'),
    newKey: $('new-key'),
    newKeyLink: $('new-key-link'),
    buttons: Object.fromEntries(Array.from(document.querySelectorAll('[data-command]'), (b) => [b.dataset.command, b])),
    screens: Array.from(document.querySelectorAll('[data-screen]')),
    panels: Array.from(document.querySelectorAll('[data-join-panel]')),
  };
  let pendingGoto = null; // target of a goto not yet acknowledged

  // The proposition `step` places from the current one (or from a goto still in flight).
  function neighbour(step) {
    const base = pendingGoto !== null ? pendingGoto : ctx.currentId();
    if (base === null) return step > 0 && ctx.propositions.length ? ctx.propositions[0].id : null;
    const at = ctx.propositions.findIndex((p) => p.id === base);
    const next = ctx.propositions[at + step];
    return at >= 0 && next ? next.id : null;
  }

  // --- alert -------------------------------------------------------------------------

  function showAlert(text) {
    setText(el.alertText, text);
    el.alert.hidden = false;
  }

  function clearAlert() {
    el.alert.hidden = true;
    setText(el.alertText, '');
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
    ctx.render();
    try {
      const ack = await ctx.conn.command(message);
      if (!report) clearAlert();
      return ack;
    } catch (err) {
      if (report) report(errorText(err));
      else showAlert(errorText(err));
      return null;
    } finally {
      busy.delete(key);
      setBusy(button, false);
      ctx.render();
      // a question's buttons show their pending state; settings are rendered by their caller
      // once it has applied the result
      if (key.startsWith('q:')) ctx.questionDone();
    }
  }

  async function goTo(id, button) {
    if (id === null || pendingGoto !== null) return;
    pendingGoto = id;
    try {
      await run('goto', { type: 'goto', proposition: id }, button);
    } finally {
      pendingGoto = null;
      ctx.render();
    }
  }

  function screenShown() {
    return ctx.state ? ctx.state.screen || 'proposition' : 'proposition';
  }

  function enabled(name) {
    const phase = ctx.state ? ctx.state.phase : null;
    const hasProposition = ctx.currentId() !== null;
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
        return hasProposition && !ctx.state.revealed;
      case 'hide':
        return hasProposition && !!ctx.state.revealed;
      case 'round2':
        return hasProposition && (ctx.state.round || 1) < 2 && phase !== 'waiting';
      case 'screen':
        return !!ctx.state;
      default:
        return false;
    }
  }

  function perform(name) {
    if (!ctx.state || !enabled(name) || busy.has(name)) return;
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
    if (!ctx.state || busy.has('screen') || show === screenShown()) return;
    run('screen', { type: 'screen', show }, el.screens.find((b) => b.dataset.screen === show));
  }

  function render() {
    const { state } = ctx;
    for (const [name, button] of Object.entries(el.buttons)) {
      button.setAttribute('aria-disabled', String(!state || !enabled(name)));
    }
    const shown = screenShown();
    for (const button of el.screens) {
      button.setAttribute('aria-pressed', String(!!state && button.dataset.screen === shown));
      button.setAttribute('aria-disabled', String(!state));
    }
    const panel = state ? state.join_panel || 'auto' : null;
    for (const button of el.panels) {
      button.setAttribute('aria-pressed', String(button.dataset.joinPanel === panel));
      button.setAttribute('aria-disabled', String(!state));
    }
    setText(el.cmdStatus, busy.size ? S.pending : '');
  }

  for (const [name, button] of Object.entries(el.buttons)) {
    button.addEventListener('click', () => perform(name));
  }
  for (const button of el.screens) {
    button.addEventListener('click', () => showScreen(button.dataset.screen));
  }
  // The projector's join panel: automatic (a corner while results or the wall are up), corner, full.
  for (const button of el.panels) {
    button.addEventListener('click', () => {
      const size = button.dataset.joinPanel;
      if (ctx.state && (ctx.state.join_panel || 'auto') !== size && !busy.has('join_panel')) {
        run('join_panel', { type: 'join_panel', size }, button);
      }
    });
  }
  el.alertClose.addEventListener('click', clearAlert);
  el.logout.addEventListener('submit', (event) => {
    if (!window.confirm(S.confirm_logout)) event.preventDefault();
  });
  el.logoutAll.addEventListener('submit', (event) => {
    if (!window.confirm(S.confirm_logout_all)) event.preventDefault();
  });
  // A new key: old links and Bearer keys stop at once; this session (and the others) stay.
  el.rotate.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!window.confirm(S.confirm_rotate)) return;
    try {
      const response = await fetch(el.rotate.action, { method: 'POST', body: new FormData(el.rotate), cache: 'no-store' });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      setText(el.newKeyLink, body.moderator);
      el.newKey.hidden = false;
    } catch (err) {
      showAlert(S.error_generic);
    }
  });

  /* The shortcuts always mean the debate, whatever was clicked last: one handler, on the
     document in the capture phase, before any control sees the key. Only a text field keeps
     its keys while the moderator types (Escape leaves it); a focused button, checkbox,
     radio, select or link loses its focus and never takes Space or an arrow for itself
     (Space would press it, an arrow would change a radio or a select). */
  const NOT_TEXT = new Set(['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image']);
  function typing(node) {
    if (!node || node.nodeType !== 1) return false;
    if (node.isContentEditable || node.tagName === 'TEXTAREA') return true;
    return node.tagName === 'INPUT' && !NOT_TEXT.has(node.type);
  }
  function shortcut(key) {
    switch (key) {
      case 'ArrowRight':
      case 'PageDown':
        return 'next';
      case 'ArrowLeft':
      case 'PageUp':
        return 'prev';
      case ' ':
      case 'Spacebar':
        return ctx.state && ctx.state.phase === 'open' ? 'close' : 'open';
      case 'r':
      case 'R':
        return ctx.state && ctx.state.revealed ? 'hide' : 'reveal';
      case 'q':
      case 'Q':
        return 'screen';
      default:
        return null;
    }
  }
  let swallowSpaceKeyUp = false;
  document.addEventListener('keydown', (event) => {
    const focused = document.activeElement;
    if (typing(focused) || typing(event.target)) {
      if (event.key === 'Escape') focused.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const action = shortcut(event.key);
    if (action === null) return; // not a shortcut: Tab, Enter and the rest stay the browser's
    event.preventDefault();
    event.stopPropagation();
    if (focused && focused !== document.body && focused.blur) focused.blur();
    if (event.key === ' ' || event.key === 'Spacebar') swallowSpaceKeyUp = true; // no click on keyup
    if (event.repeat) return;
    perform(action);
  }, true);
  document.addEventListener('keyup', (event) => {
    if ((event.key === ' ' || event.key === 'Spacebar') && swallowSpaceKeyUp) {
      swallowSpaceKeyUp = false;
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  return {
    run, goTo, render, showAlert, clearAlert, errorText,
    pendingGoto: () => pendingGoto,
  };
}
