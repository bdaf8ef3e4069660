/* live: the screen wake lock, for the projector and the moderator only (the phone does not
   load this module: see docs/performance.md, the phone page's weight). */

// Keep the screen awake while the page is shown, where the browser allows it (not on
// plain http): the moderator's laptop and the projector during the debate.
export function keepAwake() {
  let lock = null;
  async function request() {
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible' || lock) return;
    try {
      lock = await navigator.wakeLock.request('screen');
      lock.addEventListener('release', () => {
        lock = null;
      });
    } catch (err) {
      /* not available here; the setup has to keep the screen on */
    }
  }
  document.addEventListener('visibilitychange', request);
  request();
}
