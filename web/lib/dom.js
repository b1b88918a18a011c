// Safe DOM building: text is always set as text (never parsed as HTML).

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate']);

/**
 * h('button', {class: 'btn', type: 'button', onClick: fn}, 'Text', childNode, [more])
 * Attributes are set with setAttribute (or as properties for form state); `on<Event>` adds a
 * listener; strings and numbers become text nodes; null/false/undefined are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (PROPS.has(key)) el[key] = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Text that keeps its own direction inside the other script (references, ids, e-mails). */
export function ltr(text, className = 'ltr') {
  return h('bdi', { dir: 'ltr', class: className }, text);
}

let counter = 0;
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Only http(s) URLs from the API are followed (never javascript: or data:). */
export function safeUrl(url) {
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}
