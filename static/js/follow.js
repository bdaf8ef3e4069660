/* live: following an event as the projector role does, for pages that only watch it
   (the livestream overlays): the newest state, the tally of the current proposition and
   round, and the question wall, each taken only when newer than what is held. */
import { dispatch, sequence } from './connection.js';

export function follow(onChange) {
  const view = { state: null, tally: null, questions: null };
  const stateSeq = sequence();
  const tallySeq = sequence();
  return dispatch({
    welcome: () => {
      stateSeq.reset();
      view.questions = null;
    },
    state: (msg) => {
      if (!stateSeq.newer(msg.seq)) return;
      const before = view.state;
      if (!msg.proposition || !before || !before.proposition || before.proposition.id !== msg.proposition.id
          || before.round !== msg.round) {
        view.tally = null;
        tallySeq.reset();
      }
      view.state = msg;
      onChange(view);
    },
    tally: (msg) => {
      const prop = view.state && view.state.proposition;
      if (!prop || msg.proposition !== prop.id || (msg.round != null && msg.round !== view.state.round)) return;
      if (!tallySeq.newer(msg.seq)) return;
      view.tally = msg;
      onChange(view);
    },
    questions: (msg) => {
      const seen = view.questions && typeof view.questions.seq === 'number' ? view.questions.seq : -1;
      if (typeof msg.seq === 'number' && msg.seq < seen) return;
      view.questions = msg;
      onChange(view);
    },
    presence: null,
    perspectives: null, // the overlays show no split
    ack: null,
    status: null,
    error: (msg) => console.warn('live: server error', msg),
  });
}
