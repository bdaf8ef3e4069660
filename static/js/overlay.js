/* live: the livestream overlays (/overlay/{code}, /lower-third, /join). They follow the
   event as the projector does, through the projector's socket, so they see exactly what
   the hall's screen may show: counts only once revealed. The join badge is static. */
import { LiveConnection, config, drawBars, format, numbers, readBars, setText, show } from './connection.js';
import { follow } from './follow.js';

const cfg = config();
const S = cfg.strings;
const num = numbers(cfg.lang);
const $ = (id) => document.getElementById(id);
const el = { card: $('overlay-card'), kicker: $('overlay-kicker'), text: $('overlay-text'), meta: $('overlay-meta'),
  results: $('overlay-results'), bars: readBars() };

function votes(count) {
  return format(count === 1 ? S.votes_one : S.votes_other, { count: num.n(count) });
}

// What the card shows: the pinned question while the projector shows the wall (lower
// third), otherwise the current proposition, with its bar once the result is revealed.
function render({ state, tally, questions }) {
  const prop = state && state.proposition;
  const pinned = questions && Array.isArray(questions.items) ? questions.items.find((q) => q.pinned) : null;
  if (state && state.screen === 'questions' && pinned && cfg.variant === 'lower-third') {
    show(el.card, true);
    setText(el.kicker, S.question);
    setText(el.text, pinned.text);
    setText(el.meta, [pinned.name, pinned.to ? format(S.to, { name: pinned.to }) : ''].filter(Boolean).join(' · '));
    show(el.results, false);
    return;
  }
  show(el.card, !!prop);
  if (!prop) return;
  setText(el.kicker, format(S.proposition_of, { n: num.n(prop.index + 1), total: num.n(state.total) }));
  setText(el.text, prop.text);
  const voters = tally ? tally.voters || 0 : 0;
  setText(el.meta, state.phase === 'open' ? S.open + ' · ' + votes(voters) : voters ? votes(voters) : '');
  const counts = state.revealed && tally ? tally.counts : null;
  if (el.results) {
    show(el.results, !!counts);
    if (counts) drawBars(el.bars, counts, voters, num);
  }
  document.body.dataset.revealed = String(!!counts);
}

if (cfg.variant !== 'join') {
  new LiveConnection({ path: cfg.ws_path, lang: cfg.lang, onMessage: follow(render) }).start();
}
