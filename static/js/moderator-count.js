/* live: the moderator's live count (bars, marker, the table per perspective) and the
   countdown, for the current proposition and round (hand counts: moderator-hands.js). */
import {
  clock, drawBars, figures, format, markerOf, readBars, secondsLeft, setText, shares, show, weighedGroups,
} from './connection.js';

export function setupCount(ctx) {
  const { S, num } = ctx;
  const dec = new Intl.NumberFormat(ctx.cfg.lang, { maximumFractionDigits: 1 });
  const $ = (id) => document.getElementById(id);
  const el = {
    voters: $('voters'),
    marker: $('marker'),
    handCount: $('hand-count-line'),
    flagged: $('flagged-line'),
    flaggedControls: $('flagged-controls'),
    exclude: $('exclude-flagged'),
    excludeStatus: $('exclude-flagged-status'),
    channels: $('channels-line'),
    handCountText: $('hand-count-text'),
    equalWeight: $('equal-weight'),
    beforeAfter: $('before-after'),
    compareSwitch: $('compare-switch'),
    compares: Array.from(document.querySelectorAll('[data-compare]')),
    historySwitch: $('history-switch'),
    historyToggle: $('history-toggle'),
    splitBody: $('split-body'),
    bars: readBars(),
    countdown: $('countdown-form'),
    cdSeconds: $('cd-seconds'),
    cdClose: $('cd-close'),
    cdStart: $('cd-start'),
    cdStop: $('cd-stop'),
    cdRemaining: $('cd-remaining'),
  };

  function percent(value) {
    return dec.format(value) + '%';
  }

  function figuresLine(counts, text) {
    return figures(ctx.choices, S.labels, (choice) => text(counts[choice] || 0));
  }

  // What the projector shows of a closed, revealed round 2 (the `compare` command).
  // One action, reversible: flagged identities out of (or back into) what the projector shows.
  el.exclude.addEventListener('click', () => {
    if (ctx.state) ctx.run('exclude', { type: 'exclude_flagged', on: !ctx.state.exclude_flagged }, el.exclude);
  });

  for (const button of el.compares) {
    button.addEventListener('click', () => {
      const show = button.dataset.compare;
      if (ctx.state && ctx.state.compare !== show) ctx.run('compare', { type: 'compare', show }, button);
    });
  }

  // A linked proposition: the projector shows its trend across the series (compare "history")
  // instead of tonight's split, and back.
  el.historyToggle.addEventListener('click', () => {
    if (!ctx.state) return;
    const show = ctx.state.compare === 'history' ? 'before_after' : 'history';
    ctx.run('compare', { type: 'compare', show }, el.historyToggle);
  });

  function render() {
    const { tally } = ctx;
    const current = ctx.proposition();
    const linked = !!(ctx.state && ((current && current.linked) || (ctx.state.proposition || {}).linked));
    show(el.historySwitch, linked);
    el.historyToggle.setAttribute('aria-pressed', String(linked && ctx.state.compare === 'history'));
    const counts = tally && tally.counts ? tally.counts : {};
    const voters = tally ? tally.voters || 0 : 0;
    drawBars(el.bars, counts, voters, num, { countFirst: true });
    setText(el.voters, num.n(voters));

    const marker = markerOf(tally);
    show(el.marker, !!marker);
    if (marker) {
      setText(el.marker, S[marker]);
      el.marker.dataset.marker = marker;
    }

    // Round 2 closed: round 1's shares and the shift with its verdict (the projector shows it once revealed).
    const before = tally && tally.round === 2 && tally.before_after ? tally.before_after : null;
    show(el.beforeAfter, !!before);
    show(el.compareSwitch, !!before);
    const view = (ctx.state && ctx.state.compare) || 'before_after';
    for (const button of el.compares) button.setAttribute('aria-pressed', String(button.dataset.compare === view));
    if (before) {
      const r1 = before.round1;
      const total = before.shift.total;
      const verdict = before.test ? ' (' + S[before.test.verdict] + ')' : '';
      setText(el.beforeAfter, S.round1 + ': ' + figures(ctx.choices, S.labels, (choice) => num.pct(shares(r1.counts, ctx.choices)[choice])) +
        (total === null ? '' : ' · ' + S.shift + ' ' + (total > 0 ? '+' : '') + dec.format(total) + ' ' + S.points + verdict));
    }

    // The part of the counts from identities that look minted to vote, and the figures
    // without them (the server's, docs/protocol.md); the switch that leaves them out.
    const flagged = tally && tally.flagged ? tally.flagged : {};
    const anyFlagged = ctx.choices.some((choice) => (flagged[choice] || 0) > 0);
    const excluded = !!(ctx.state && ctx.state.exclude_flagged);
    show(el.flagged, anyFlagged);
    if (anyFlagged) {
      const without = tally.unflagged ? tally.unflagged.counts : {};
      setText(el.flagged, format(S.flagged_line, {
        figures: figuresLine(flagged, (v) => num.n(v)),
        without: figuresLine(without, (v) => num.n(v)),
      }));
    }
    show(el.flaggedControls, anyFlagged || excluded);
    el.exclude.setAttribute('aria-pressed', String(excluded));
    setText(el.excludeStatus, excluded ? S.excluded_on : S.excluded_off);

    // The hall, the stream and the hands apart, once the stream took part (its own link).
    const channels = tally && tally.channels ? tally.channels : null;
    const streamed = !!channels && (channels.stream === null || (channels.stream && channels.stream.voters > 0));
    show(el.channels, streamed);
    if (streamed) {
      setText(el.channels, ['hall', 'stream', 'hands'].map((name) => {
        const part = channels[name];
        return S.channels[name] + ': ' + (part ? figuresLine(part.counts, (v) => num.n(v)) + ' (' + num.n(part.voters) + ')'
          : S.too_few);
      }).join(' · '));
    }

    const hands = tally && tally.manual ? tally.manual : null;
    show(el.handCount, !!hands);
    if (hands) setText(el.handCountText, format(S.hand_count, { figures: figuresLine(hands, (v) => num.n(v)) }));

    if (el.equalWeight) {
      const ew = tally && tally.equal_weight ? tally.equal_weight : null;
      show(el.equalWeight, !!ew);
      if (ew) setText(el.equalWeight, format(S.equal_weight, { figures: figuresLine(ew, percent) }) + weighedGroups(tally));
    }
    if (el.splitBody) renderSplit(tally && tally.by_perspective ? tally.by_perspective : null);
    renderCountdown();
    el.cdStart.setAttribute('aria-disabled', String(!ctx.proposition()));
    el.cdStop.setAttribute('aria-disabled', String(!(ctx.state && ctx.state.deadline)));
  }

  function renderSplit(groups) {
    const rows = ctx.perspectives.map((name) => {
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
        td.colSpan = ctx.choices.length + 1; // spans the voters column too, hidden or not
        td.className = 'cell-too-few';
        td.textContent = S.too_few;
        tr.append(td);
        return tr;
      }
      const gCounts = group && group.counts ? group.counts : {};
      const gVoters = group ? group.voters || 0 : 0;
      const pcts = shares(gCounts, ctx.choices);
      for (const choice of ctx.choices) {
        const td = document.createElement('td');
        td.className = 'cell-num';
        const count = gCounts[choice] || 0;
        if (group) {
          const sub = document.createElement('span');
          sub.className = 'cell-sub';
          sub.textContent = num.pct(pcts[choice]);
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

  // --- countdown -------------------------------------------------------------------------

  let countdownTimer = 0;

  function renderCountdown() {
    const deadline = ctx.state && typeof ctx.state.deadline === 'number' ? ctx.state.deadline : null;
    if (deadline === null) {
      clearInterval(countdownTimer);
      countdownTimer = 0;
      setText(el.cdRemaining, S.no_countdown);
      el.cdRemaining.dataset.running = 'false';
      return;
    }
    const left = secondsLeft(deadline, ctx.clockOffset);
    if (left <= 0) {
      setText(el.cdRemaining, S.time_up);
      el.cdRemaining.dataset.running = 'done';
      clearInterval(countdownTimer);
      countdownTimer = 0;
      return;
    }
    const template = ctx.state.auto_close && ctx.state.phase === 'open' ? S.remaining_close : S.remaining;
    setText(el.cdRemaining, format(template, { time: clock(left) }));
    el.cdRemaining.dataset.running = 'true';
    if (!countdownTimer) countdownTimer = setInterval(renderCountdown, 250);
  }

  function startCountdown(event) {
    event.preventDefault();
    if (!ctx.proposition()) return;
    const seconds = Number(el.cdSeconds.value);
    if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600) {
      el.cdSeconds.setAttribute('aria-invalid', 'true');
      ctx.showAlert(S.error_seconds);
      el.cdSeconds.focus();
      return;
    }
    el.cdSeconds.removeAttribute('aria-invalid');
    ctx.run('countdown-start', { type: 'countdown', seconds, close: el.cdClose.checked }, el.cdStart);
  }

  function stopCountdown() {
    if (!(ctx.state && ctx.state.deadline)) return;
    // its own key: a stop right after a start must not be swallowed while the start's ack is on its way
    ctx.run('countdown-stop', { type: 'countdown', seconds: null }, el.cdStop);
  }

  el.countdown.addEventListener('submit', startCountdown);
  el.cdStop.addEventListener('click', stopCountdown);

  return {
    render,
    // another proposition or round: the hand count form starts empty
    clear() {
      ctx.hands.clear();
    },
  };
}
