/* live: the phone's votes. A vote is kept in localStorage until the server acknowledges it
   (the outbox), re-sent with the same id after every reconnect, and once confirmed
   remembered per proposition and round. */
import { newId, store } from './connection.js';

export class Ballot {
  constructor(code, conn) {
    this.conn = conn;
    this.keys = {
      votes: 'live:votes:' + code, // "propositionId:round" -> confirmed choice
      outbox: 'live:outbox:' + code, // propositionId -> {id, choice, round}: not yet acknowledged
    };
    this.votes = store.get(this.keys.votes, {}) || {};
    this.outbox = store.get(this.keys.outbox, {}) || {};
    this.sentAt = new Map(); // vote id -> when it last went out (this page load)
    this.retryTimer = 0;
    // A vote that got no answer (a lost frame) goes out again; the server keeps the latest.
    setInterval(() => {
      const now = Date.now();
      for (const [propositionId, entry] of Object.entries(this.outbox)) {
        if (now - (this.sentAt.get(entry.id) || 0) > 8000) this.send(propositionId, entry);
      }
    }, 4000);
  }

  save() {
    store.set(this.keys.votes, this.votes);
    store.set(this.keys.outbox, this.outbox);
  }

  // The vote on its way for this proposition and round, or null.
  pending(prop, round) {
    const entry = prop && this.outbox[prop.id];
    return entry && entry.round === round ? entry : null;
  }

  // What the buttons show: the vote on its way, else the confirmed one.
  shown(prop, round) {
    if (!prop) return null;
    const entry = this.pending(prop, round);
    return entry ? entry.choice : this.votes[prop.id + ':' + round] || null;
  }

  send(propositionId, entry) {
    if (this.conn.send({ type: 'vote', proposition: propositionId, choice: entry.choice, id: entry.id })) {
      this.sentAt.set(entry.id, Date.now());
    }
  }

  flush() {
    for (const [propositionId, entry] of Object.entries(this.outbox)) this.send(propositionId, entry);
  }

  retryLater() {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = 0;
      this.flush();
    }, 2000 + Math.random() * 3000);
  }

  // Latest wins: one pending vote per proposition, replaced by a new tap.
  choose(prop, round, choice) {
    this.outbox[prop.id] = { id: newId(), choice, round };
    this.save();
    this.send(prop.id, this.outbox[prop.id]);
  }

  // A state for this proposition: the server's memory (my_vote) wins over ours.
  reconcile(prop, msg) {
    const entry = this.outbox[prop.id];
    if ('my_vote' in msg) {
      const key = prop.id + ':' + msg.round;
      if (msg.my_vote) this.votes[key] = msg.my_vote;
      else delete this.votes[key];
      if (entry && entry.round === msg.round && entry.choice === msg.my_vote) delete this.outbox[prop.id];
    }
    // A vote waiting from an earlier round must not count in this one.
    if (entry && entry.round !== msg.round) delete this.outbox[prop.id];
    this.save();
  }

  find(id) {
    if (id == null) return null;
    for (const [propositionId, entry] of Object.entries(this.outbox)) {
      if (entry.id === id) return { propositionId, entry };
    }
    return null;
  }

  // An ack for a vote: confirmed. False when it was not one (or superseded by a later tap).
  acknowledged(msg) {
    const found = this.find(msg.id);
    if (!found) return false;
    const { propositionId, entry } = found;
    this.votes[propositionId + ':' + entry.round] = entry.choice;
    delete this.outbox[propositionId];
    this.save();
    return true;
  }

  /* An error: for a vote that cannot be taken, its proposition id (the vote is dropped);
     otherwise null. Over the rate limit, or while the server cannot take it, the latest tap
     still has to arrive: it is sent again shortly. */
  refused(msg) {
    const busy = msg.code === 'retry_later' || msg.code === 'rate_limited';
    const found = this.find(msg.id);
    if (!found) {
      console.warn('live: server error', msg);
      // the server drops frames over the rate limit and says so without an id
      if (busy) this.retryLater();
      return null;
    }
    if (busy) {
      this.retryLater();
      return null;
    }
    delete this.outbox[found.propositionId];
    this.save();
    return found.propositionId;
  }
}
