/* live: the order of questions, the same as the server's (live/questions.py by_votes). */

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
