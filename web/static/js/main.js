// The dashboard's entry point: one page for every path the server sends it
// (GET / and /studies/{id}); the view follows from the URL:
//   /                        the studies
//   /studies/{id}            a study
//   /studies/{id}?trial={t}  a trial of it
// Errors are shown in the page; a 401 asks for the server's bearer token.
// The breadcrumb trail names ids until the page has read the names.
import { ApiError, setToken } from './api.js';
import { fill, h, setCrumbs } from './dom.js';
import { showStudies } from './studies_page.js';
import { showStudy } from './study_page.js';
import { showTrial } from './trial_page.js';

function tokenForm(app, message) {
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', size: 40, required: true });
  fill(app, h('section', { class: 'card', 'aria-labelledby': 'token-heading' },
    h('h1', { id: 'token-heading' }, 'This server needs a token'),
    h('p', {}, message, ' Enter the bearer token the server was started with (', h('code', {}, '--token-file'),
      '). It is kept in this browser tab only.'),
    h('form', { class: 'token', onsubmit: (e) => {
      e.preventDefault();
      setToken(input.value.trim());
      location.reload();
    } }, h('label', { for: 'token' }, 'Token'), input, h('button', { type: 'submit' }, 'Use token'))));
  input.focus();
}

async function route(app) {
  const study = location.pathname.match(/^\/studies\/(\d+)\/?$/);
  if (!study) {
    setCrumbs([['Studies', null]]);
    return showStudies(app);
  }
  const id = Number(study[1]);
  const trial = new URLSearchParams(location.search).get('trial');
  if (trial && /^\d+$/.test(trial)) {
    setCrumbs([['Studies', '/'], [`Study ${id}`, `/studies/${id}`], [`Trial ${trial}`, null]]);
    return showTrial(app, id, Number(trial));
  }
  setCrumbs([['Studies', '/'], [`Study ${id}`, null]]);
  return showStudy(app, id);
}

const app = document.getElementById('app');
route(app).catch((e) => {
  if (e instanceof ApiError && e.status === 401) {
    setToken('');
    tokenForm(app, e.message + '.');
    return;
  }
  console.error(e);
  fill(app, h('section', { class: 'card error', role: 'alert' },
    h('h1', {}, e instanceof ApiError && e.status === 404 ? 'Not found' : 'Something went wrong'),
    h('p', {}, e.message)));
});
