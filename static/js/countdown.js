/* live: time and order, shared by the phone, the projector and the moderator. */

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
