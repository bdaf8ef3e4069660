/* live: drawing results, shared by the phone, the projector and the moderator.
   User data (perspective names) only ever goes in textContent. */
import { format, make, setText, shares } from './connection.js';

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

// Equal weight per perspective as whole percentages, or '' when the tally has none; the
// groups it weighs follow in brackets.
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
export function drawSplitList(list, groups, order, choices, S, num, { pctInSegment = false } = {}) {
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
      if (pctInSegment && pct >= 12) seg.textContent = num.pct(pct);
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

// Long text is set smaller: "is-long" over 140 characters; the projector also has
// "is-very-long" (260) and "is-huge" (380).
export const LONG = 140;

export function lengthClass(text) {
  if (text.length > 380) return 'is-huge';
  if (text.length > 260) return 'is-very-long';
  if (text.length > LONG) return 'is-long';
  return '';
}
