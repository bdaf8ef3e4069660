/* live: the console folds on a phone. Every <details data-fold> is open on a wider screen
   (its summary is hidden there: the panel looks as it always did) and closed on a phone,
   where the console is a remote: the primary controls at the top, the rest a tap away. */
export function foldOnSmallScreens(query = '(max-width: 600px)') {
  const small = window.matchMedia(query);
  const apply = () => {
    for (const details of document.querySelectorAll('details[data-fold]')) {
      details.open = !small.matches;
      // on a wide screen the summary is hidden: no tab stop for it either
      details.querySelector(':scope > summary').tabIndex = small.matches ? 0 : -1;
    }
  };
  apply();
  small.addEventListener('change', apply);
}
