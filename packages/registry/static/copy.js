// Copy buttons of the "Use this model" box and the new-token box. Pages work without this file;
// it only puts a snippet on the clipboard (or selects it where the clipboard is not available,
// e.g. a plain-http registry on a LAN, which browsers do not treat as a secure context).
'use strict';

/**
 * The live region that announces the result to screen readers.
 * @param {Element} button
 * @returns {Element | null}
 */
function statusNear(button) {
  const box = button.closest('section') || document;
  return box.querySelector('.copy-status');
}

/**
 * Says what happened, next to the button and to screen readers.
 * @param {Element} button
 * @param {string} text
 */
function say(button, text) {
  const status = statusNear(button);
  if (status) {
    status.textContent = text;
  }
  button.textContent = text.startsWith('Copied') ? 'Copied' : 'Copy';
  setTimeout(() => {
    button.textContent = 'Copy';
  }, 2000);
}

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button.copy') : null;
  if (!button) {
    return;
  }
  const target = document.getElementById(button.getAttribute('data-copy') || '');
  if (!target) {
    return;
  }
  const text = target.textContent || '';
  const select = () => {
    const range = document.createRange();
    range.selectNodeContents(target);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    say(button, 'Selected: press Ctrl+C (⌘C) to copy.');
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => say(button, 'Copied to the clipboard.'), select);
  } else {
    select();
  }
});
