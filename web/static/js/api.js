// The REST API v1 as the dashboard reads it (web/openapi.json has the
// shapes). Every call is a GET on this page's own origin; a server started
// with --token-file needs a bearer token, which the user enters once per
// browser tab (kept in sessionStorage, sent as Authorization: Bearer).

const TOKEN_KEY = 'autotune.token';

export class ApiError extends Error {
  // status: the HTTP status (0 when the server could not be reached);
  // code/field: the server's error.code and error.field.
  constructor(status, message, code = '', field = '') {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra = {}) {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

// The JSON of GET path; ApiError on a network failure or a non-2xx answer
// (with the server's error message when it sent one).
export async function getJson(path, { signal } = {}) {
  let res;
  try {
    res = await fetch(path, { headers: headers({ Accept: 'application/json' }), signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, `the server cannot be reached (${e.message})`);
  }
  const body = await res.text();
  let json = null;
  try {
    json = body ? JSON.parse(body) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = json && json.error ? json.error : {};
    throw new ApiError(res.status, err.message || `${res.status} ${res.statusText}`, err.code || '', err.field || '');
  }
  return json;
}

// Every item of a paged list: follows next_cursor from `path` (which may
// carry a query) and concatenates the `key` arrays, `limit` per request.
export async function getAllPages(path, key, { limit = 1000, signal } = {}) {
  const sep = path.includes('?') ? '&' : '?';
  const items = [];
  let cursor = null;
  do {
    const page = await getJson(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
                               { signal });
    items.push(...page[key]);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

// Follows a study's server-sent events after event id `after`, calling
// onEvent(event) for each ({id, study_id, trial_id, kind, detail, time}) and
// onStatus(true|false) as the stream connects and drops. It reconnects by
// itself with Last-Event-ID, so nothing is missed or seen twice. Returns a
// function that closes the stream.
//
// Without a token this is the browser's EventSource (which reconnects on its
// own). EventSource cannot send an Authorization header, so with a token the
// same protocol is read through fetch.
export function followEvents(studyId, after, onEvent, onStatus) {
  const url = `/api/v1/studies/${studyId}/events?after=${after}`;
  if (!token()) {
    const source = new EventSource(url);
    source.onopen = () => onStatus(true);
    source.onerror = () => onStatus(false);
    source.onmessage = (m) => onEvent(JSON.parse(m.data));
    return () => source.close();
  }
  return followWithFetch(url, onEvent, onStatus);
}

function followWithFetch(url, onEvent, onStatus) {
  const abort = new AbortController();
  let lastId = null;
  const connect = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(url, {
          headers: headers(lastId === null ? {} : { 'Last-Event-ID': lastId }),
          signal: abort.signal,
        });
        if (!res.ok) throw new Error(`${res.status}`);
        onStatus(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id = null;
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('id:')) id = line.slice(3).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            if (id !== null) lastId = id;
            if (data) onEvent(JSON.parse(data));
          }
        }
      } catch (e) {
        if (abort.signal.aborted) return;
      }
      onStatus(false);
      await new Promise((r) => setTimeout(r, 3000));  // as EventSource's default retry
    }
  };
  connect();
  return () => abort.abort();
}
