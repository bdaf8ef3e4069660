/* live: shared WebSocket client and small helpers for every page (an ES module): the
   connection, time and order (countdowns, snapshot sequences, the order of questions) and
   drawing results. One module rather than several small ones, because the phone loads it
   and every request costs the phone ~300 B of headers (docs/performance.md, the phone
   page's weight); the wake lock, which only the projector and the moderator use, is in
   wakelock.js. No user-facing text lives here: pages read their strings
   from the #live-config JSON. User data (perspective names) only ever goes in textContent. */
const MIN_DELAY = 500;        // first reconnect waits 0.5..1 s, then doubles
const MAX_DELAY = 10000;      // never wait longer than 10 s
const CONNECT_TIMEOUT = 10000; // a socket that does not open in time is given up
const IDLE_PROBE = 30000;     // quiet this long: ask for a snapshot to prove the line works
const IDLE_LIMIT = 45000;     // quiet this long: the line is dead, reconnect
const PROBE_TIMEOUT = 5000;   // after waking up, a sync must be answered this fast
const COMMAND_TIMEOUT = 10000;
// Close code after which retrying quickly is pointless (refused / unknown event);
// the server sends only this one and 1013 (try again later).
export const REFUSED = 1008;

export function newId() {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes); // works on plain http too, unlike randomUUID
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// localStorage that never throws (private mode, disabled storage, quota).
export const store = {
  get(key, fallback) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* keep working from memory */
    }
  },
  // A key renamed to the "live:<name>" style: the value stored under its old name moves once.
  rename(old, key) {
    try {
      const raw = localStorage.getItem(old);
      if (raw === null) return;
      if (localStorage.getItem(key) === null) localStorage.setItem(key, raw);
      localStorage.removeItem(old);
    } catch (e) {
      /* nothing to move */
    }
  },
};

export function config() {
  const node = document.getElementById('live-config');
  return node ? JSON.parse(node.textContent) : {};
}

// "Proposition {n} of {total}" -> filled in. Values are plain text (use textContent).
export function format(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (m, key) => (key in values ? String(values[key]) : m));
}

export function numbers(lang) {
  const nf = new Intl.NumberFormat(lang);
  const pf = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 });
  const plural = new Intl.PluralRules(lang);
  return {
    n: (value) => nf.format(value),
    pct: (whole) => pf.format(whole / 100),
    // one/other strings contain {count}
    count: (value, one, other) => format(plural.select(value) === 'one' ? one : other, { count: nf.format(value) }),
  };
}

// Whole percentages: Math.round(count * 100 / voters), 0 when nobody voted.
export function share(count, voters) {
  return voters > 0 ? Math.round((count * 100) / voters) : 0;
}

// Whole percentages per choice that add up to 100 (largest remainder, as the server's
// results.shares): each share rounded down, the points left over to the largest
// remainders (of equals, the earlier choice); all 0 when nobody voted.
export function shares(counts, choices) {
  const voters = choices.reduce((sum, choice) => sum + (counts[choice] || 0), 0);
  const out = {};
  for (const choice of choices) out[choice] = voters ? Math.floor(((counts[choice] || 0) * 100) / voters) : 0;
  if (!voters) return out;
  const order = choices.slice().sort((a, b) => (((counts[b] || 0) * 100) % voters) - (((counts[a] || 0) * 100) % voters));
  let left = 100 - choices.reduce((sum, choice) => sum + out[choice], 0);
  for (const choice of order) {
    if (left <= 0) break;
    out[choice] += 1;
    left -= 1;
  }
  return out;
}

export function show(node, visible) {
  if (node) node.hidden = !visible;
}

// A new element with its class and (plain) text.
export function make(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// The proposition's stage on the phone and the projector: the same ids on both pages.
export function stageElements() {
  const $ = (id) => document.getElementById(id);
  return { connecting: $('connecting'), lobby: $('lobby'), proposition: $('proposition'), label: $('prop-label'),
    round: $('round-badge'), text: $('prop-text') };
}

export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

export class LiveConnection {
  /* options: path (ws path), lang (language of server texts), onMessage(msg),
     onStatus(status), onClose(code), onLost(failures in a row), params() -> object|null
     (extra query parameters)
     status: "connecting" | "online" | "offline" */
  constructor(options) {
    this.path = options.path;
    this.lang = options.lang || '';
    this.onMessage = options.onMessage || (() => {});
    this.onStatus = options.onStatus || (() => {});
    this.onClose = options.onClose || (() => {});
    this.onLost = options.onLost || (() => {});
    this.params = options.params || (() => null);
    this.pending = new Map();
    this.status = '';
    this.ws = null;
    this.attempt = 0;
    this.lastMessage = Date.now();
    this.probed = false;
    this.retryTimer = 0;
    this.openTimer = 0;
    this.probeTimer = 0;
    this.idleTimer = 0;
    this.syncTimer = 0;
  }

  start() {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.wake();
    });
    window.addEventListener('online', () => this.wake());
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) this.wake();
    });
    this.idleTimer = setInterval(() => this.checkIdle(), 5000);
    this.connect();
  }

  url() {
    let url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + this.path;
    const params = { ...(this.lang ? { lang: this.lang } : {}), ...(this.params() || {}) };
    const query = new URLSearchParams(params).toString();
    if (query) url += (url.includes('?') ? '&' : '?') + query;
    return url;
  }

  connect() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.openTimer);
    clearTimeout(this.probeTimer);
    this.drop();
    if (this.status !== 'offline') this.setStatus('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch (err) {
      console.error('live: cannot open WebSocket', err);
      this.lost();
      return;
    }
    this.ws = ws;
    this.openTimer = setTimeout(() => {
      if (ws === this.ws && ws.readyState !== WebSocket.OPEN) this.lost();
    }, CONNECT_TIMEOUT);
    ws.onopen = () => {
      if (ws !== this.ws) return;
      clearTimeout(this.openTimer);
      this.attempt = 0;
      this.lastMessage = Date.now();
      this.probed = false;
      this.setStatus('online');
    };
    ws.onmessage = (event) => {
      if (ws === this.ws) this.received(event.data);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      if (event.code === REFUSED) this.attempt = Math.max(this.attempt, 6);
      this.onClose(event.code);
      this.lost();
    };
    ws.onerror = () => {
      /* a close event follows */
    };
  }

  // Forget the current socket without triggering its handlers.
  drop() {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch (e) {
        /* already closed */
      }
    }
    this.failPending();
  }

  lost() {
    this.drop();
    this.setStatus('offline');
    clearTimeout(this.retryTimer);
    // 0.5-1 s, 1-2 s, 2-4 s ... up to 5-10 s: jitter spreads a hall full of phones
    const ceiling = Math.min(MAX_DELAY, 2 * MIN_DELAY * 2 ** this.attempt);
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.onLost(this.attempt);
  }

  // Back on screen or back on the network: check the line now instead of waiting.
  wake() {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.CONNECTING) return;
    if (ws && ws.readyState === WebSocket.OPEN) {
      this.send({ type: 'sync' });
      clearTimeout(this.probeTimer);
      this.probeTimer = setTimeout(() => this.connect(), PROBE_TIMEOUT);
      return;
    }
    this.attempt = 0;
    this.connect();
  }

  checkIdle() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const quiet = Date.now() - this.lastMessage;
    if (quiet > IDLE_LIMIT) {
      console.warn('live: no message for', quiet, 'ms; reconnecting');
      this.connect();
    } else if (quiet > IDLE_PROBE && !this.probed) {
      this.probed = true;
      this.send({ type: 'sync' });
    }
  }

  received(data) {
    this.lastMessage = Date.now();
    this.probed = false;
    clearTimeout(this.probeTimer);
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (err) {
      console.error('live: message is not JSON', data);
      return;
    }
    if (!msg || typeof msg.type !== 'string') {
      console.error('live: message without type', msg);
      return;
    }
    if ((msg.type === 'ack' || msg.type === 'error') && msg.id != null && this.pending.has(msg.id)) {
      const entry = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(entry.timer);
      if (msg.type === 'ack') entry.resolve(msg);
      else entry.reject(msg);
      return;
    }
    if (msg.type === 'status') {
      // The server lost (or regained) its data store: what is on screen may be stale.
      this.stale = msg.redis !== 'ok';
      this.showBanner();
      if (!this.stale) this.send({ type: 'sync' });
      return;
    }
    if (msg.type === 'error' && msg.id == null && msg.code === 'retry_later') {
      // the server could not build a snapshot: ask again shortly
      clearTimeout(this.syncTimer);
      this.syncTimer = setTimeout(() => this.send({ type: 'sync' }), 2000 + Math.random() * 3000);
    }
    this.onMessage(msg);
  }

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  // Send with a fresh id; resolves with the ack, rejects with the error message
  // ({code, message}) or a local {code: "offline" | "timeout"}.
  command(msg, timeout = COMMAND_TIMEOUT) {
    return new Promise((resolve, reject) => {
      const id = newId();
      if (!this.send({ ...msg, id })) {
        reject({ code: 'offline' });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject({ code: 'timeout' });
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  failPending() {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject({ code: 'offline' });
    }
    this.pending.clear();
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    document.documentElement.dataset.connection = status;
    this.showBanner();
    this.onStatus(status);
  }

  showBanner() {
    const banner = document.getElementById('conn-banner');
    if (!banner) return;
    if (this.status === 'offline') setText(banner, banner.dataset.offline || '');
    else setText(banner, this.stale ? banner.dataset.stale || '' : '');
    document.documentElement.dataset.stale = this.stale ? 'true' : 'false';
  }
}

// One handler per message type: handlers.type(msg); a type mapped to null is known and ignored.
// The perspectives this page was rendered with (its forms and tables are the server's):
// when the moderator changes them (before the first vote), the page loads itself again.
// Returns a handler for `perspectives` (and welcome's event.perspectives).
export function followPerspectives(rendered) {
  const shown = JSON.stringify(rendered || []);
  return (names) => {
    if (Array.isArray(names) && JSON.stringify(names) !== shown) window.location.reload();
  };
}

export function dispatch(handlers) {
  return (msg) => {
    if (!(msg.type in handlers)) console.error('live: unknown message type', msg.type, msg);
    else if (handlers[msg.type]) handlers[msg.type](msg);
  };
}

// ---- time and order (the phone, the projector and the moderator) --------------------

// Whole seconds until `deadline` (server milliseconds), never below 0; `offset` is the
// server's clock minus ours.
export function secondsLeft(deadline, offset) {
  return Math.max(0, Math.ceil((deadline - (Date.now() + offset)) / 1000));
}

// 75 -> "1:15"
export function clock(seconds) {
  return Math.floor(seconds / 60) + ':' + String(seconds % 60).padStart(2, '0');
}

// The server numbers its snapshots: an older one that arrives after a newer one is dropped.
// guard.newer(seq) is true for a message to apply (and remembers its seq).
export function sequence() {
  let last = -1;
  return {
    newer(seq) {
      if (typeof seq !== 'number') return true;
      if (seq < last) return false;
      last = seq;
      return true;
    },
    reset() {
      last = -1;
    },
  };
}

// The order of questions, the same as the server's (live/questions.py by_votes).

// "q12" -> 12: questions are numbered in the order they were asked.
export function questionNumber(id) {
  return parseInt(String(id).replace(/\D/g, ''), 10) || 0;
}

// Newest first.
export function byTime(a, b) {
  return questionNumber(b.id) - questionNumber(a.id);
}

// Most votes first; on equal votes the newer question first.
export function byVotes(a, b) {
  return (b.votes || 0) - (a.votes || 0) || byTime(a, b);
}

// ---- drawing results (the phone, the projector and the moderator) -----------------


// The bars of the page's results (the _macros.html bars markup), one per choice.
export function readBars(root = document) {
  return Array.from(root.querySelectorAll('[data-result]'), (row) => ({
    choice: row.dataset.result,
    fill: row.querySelector('.bar-fill'),
    pct: row.querySelector('.bar-pct'),
    count: row.querySelector('.bar-count'),
  }));
}

// Bars that appear grow from zero: commit width 0 before the real share is set.
export function growFromZero(bars, box) {
  for (const bar of bars) bar.fill.style.setProperty('--share', '0');
  void box.offsetWidth;
}

// countFirst (the moderator): the count as a plain number before the share; otherwise
// the share first and the count in brackets.
export function drawBars(bars, counts, voters, num, { countFirst = false } = {}) {
  const pcts = shares(counts, bars.map((bar) => bar.choice));
  for (const bar of bars) {
    const count = counts[bar.choice] || 0;
    const pct = pcts[bar.choice];
    bar.fill.style.setProperty('--share', String(pct));
    setText(bar.pct, num.pct(pct));
    setText(bar.count, countFirst ? num.n(count) : '(' + num.n(count) + ')');
  }
}

// "Agree 40% · Disagree 60%": `value(choice)` gives each choice's figure as text.
export function figures(choices, labels, value) {
  return choices.map((choice) => labels[choice] + ' ' + value(choice)).join(' · ');
}

// The tally's marker when it has one the pages know.
export function markerOf(tally) {
  return tally && (tally.marker === 'consensus' || tally.marker === 'divided') ? tally.marker : null;
}

// Equal weight per perspective as whole percentages, or '' when the tally has none.
export function equalWeightText(tally, choices, S, num) {
  const equal = tally && tally.equal_weight;
  if (!equal) return '';
  const values = figures(choices, S.labels, (choice) => num.pct(Math.round(equal[choice] || 0)));
  return format(S.equal_weight, { values }) + weighedGroups(tally);
}

// " (Gemeente, Professional)": the groups an equal weight weighs, or ''.
export function weighedGroups(tally) {
  const groups = tally && tally.equal_weight_groups;
  return groups && groups.length ? ' (' + groups.join(', ') + ')' : '';
}

/* The results split by perspective as a list: one row a group, in the event's order of
   perspectives (then any the server knows and the page does not). A group of null had too
   few voters to be shown. pctInSegment (the projector): the share inside each segment and
   the voters after the bar; otherwise (the phone) the voters after the name and the shares
   as text under the bar. */
export function drawSplitList(list, groups, order, choices, S, num, { pctInSegment = false, pctMin = 12 } = {}) {
  const names = order.filter((name) => name in groups)
    .concat(Object.keys(groups).filter((name) => !order.includes(name)));
  list.textContent = '';
  for (const name of names) {
    const group = groups[name];
    const row = make('li', 'split-row');
    const head = make('span', 'split-name', name);
    row.append(head);
    if (!group) {
      row.append(make('span', 'split-none', S.too_few));
      list.append(row);
      continue;
    }
    const voters = group.voters || 0;
    const count = make('span', 'split-voters', num.count(voters, S.votes_one, S.votes_other));
    const bar = make('span', 'split-bar');
    if (!pctInSegment) bar.setAttribute('aria-hidden', 'true');
    const pcts = shares(group.counts, choices);
    for (const choice of choices) {
      const pct = pcts[choice];
      const seg = make('span', 'seg bar-' + choice);
      seg.style.setProperty('--share', String(pct));
      // the share in the segment itself when there is room for it
      if (pctInSegment && pct >= pctMin) seg.textContent = num.pct(pct);
      bar.append(seg);
    }
    if (pctInSegment) {
      row.append(bar, count);
    } else {
      head.append(' ', count);
      const text = figures(choices, S.labels, (choice) => num.pct(pcts[choice]));
      row.append(bar, make('span', 'split-text', text));
    }
    list.append(row);
  }
}

// Long text is set smaller: "is-long" over 140 characters (the projector has larger steps
// too, see lengthClass in projector.js).
export const LONG = 140;
