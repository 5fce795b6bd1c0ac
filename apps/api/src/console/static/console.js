// The caseworker and merchant console: calls API v1 with the user's key. Everything that comes from the API
// is written with textContent (names come from users), never as HTML.
import { LANGUAGES, TEXTS } from './texts.js';

const KEY_STORAGE = 'huigong.console.key';
const LANGUAGE_STORAGE = 'huigong.console.lang';
const SLOTS_STORAGE = 'huigong.console.slots';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

// The follow-up of a job match as API v1 allows it: one step forward, or declined / no response while open.
const NEXT_STATUS = { proposed: 'contacted', contacted: 'interested', interested: 'interview', interview: 'hired' };
const OPEN_STATUSES = ['proposed', 'contacted', 'interested', 'interview'];

/** Until the stream's own `retry:` line says otherwise, a dropped live board is asked again after this long. */
const FAIR_RETRY_MS = 3_000;
/** The stream sends a comment every 15 s; this long without a byte means the connection is dead. */
const FAIR_STALL_MS = 45_000;
/** An employer has no live stream: its own openings' board is asked for this often. */
const FAIR_POLL_MS = 5_000;
const FAIR_COUNTS = ['intents', 'matched', 'contacted'];

/** The job fair board's state when no fair is chosen. */
function noFair() {
  // connection: idle | connecting | live | reconnecting | stopped; stream: the AbortController of the live read.
  return { fairs: [], fairId: null, openings: new Map(), board: null, connection: 'idle', error: null, stream: null, openingsAsked: new Set() };
}

const state = {
  lang: initialLanguage(),
  key: sessionStorage.getItem(KEY_STORAGE),
  role: null,
  lists: [],
  /** The caseworker's people still seeking work, longest waiting first (GET /v1/caseworkers/me/seekers). */
  seekers: [],
  /** matchId -> { kind: 'error' | 'success', text } shown in the match's card. */
  matchNotes: new Map(),
  /** matchId whose decline form is open. */
  declining: null,
  why: null,
  slots: [],
  slotErrors: [],
  redemption: null,
  /** The union admin's reports: GET /v1/reports/funnel, /v1/reports/slot-uptake, /v1/deliveries, /v1/audit. */
  admin: { funnel: null, uptake: null, dead: [], audit: [], auditPerson: '' },
  /** Idle-capacity advice per service point, for merchants and the admin (GET /v1/slots/advice). */
  advice: { points: [], error: null },
  /** The admin's and partners' live board of a job fair (GET /v1/fairs, /v1/fairs/:id/openings, /v1/fairs/:id/live). */
  fair: noFair(),
};

const $ = (id) => document.getElementById(id);

function initialLanguage() {
  const saved = localStorage.getItem(LANGUAGE_STORAGE);
  if (LANGUAGES.includes(saved)) return saved;
  return 'zh-CN';
}

function t(key, ...args) {
  const value = key.split('.').reduce((node, part) => (node === undefined ? undefined : node[part]), TEXTS[state.lang]);
  if (typeof value === 'function') return value(...args);
  return value === undefined ? key : value;
}

/** An element with attributes and children; strings become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'onClick') node.addEventListener('click', value);
    else if (name === 'onSubmit') node.addEventListener('submit', value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function announce(text) {
  const announcer = $('announcer');
  announcer.textContent = '';
  // A fresh text node is announced even when the same sentence repeats.
  requestAnimationFrame(() => {
    announcer.textContent = text;
  });
}

function idempotencyKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `console-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Calls API v1; never throws. `message` is the API's own error sentence, with the fields it names. */
async function api(method, path, body) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${state.key}` };
  const init = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey();
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, body: null, message: t('networkError') };
  }
  let data = null;
  const text = await response.text();
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.status === 401 && state.role !== null) {
    signOut(t('keyRejected'));
  }
  return { ok: response.ok, status: response.status, body: data, message: response.ok ? '' : errorMessage(data, response.status) };
}

function errorMessage(data, status) {
  if (data !== null && typeof data === 'object' && typeof data.message === 'string') {
    const details = Array.isArray(data.details) ? data.details.map((detail) => `${detail.field}: ${detail.message}`).join('; ') : '';
    return details === '' ? data.message : `${data.message} (${details})`;
  }
  return t('httpError', status);
}

// ---------------------------------------------------------------------------------------------------------
// Language

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.title = t('documentTitle');
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  const switcher = $('language');
  switcher.textContent = t('switchLanguage');
  switcher.setAttribute('lang', t('switchLanguageLang'));
  render();
}

function switchLanguage() {
  state.lang = state.lang === 'zh-CN' ? 'en' : 'zh-CN';
  localStorage.setItem(LANGUAGE_STORAGE, state.lang);
  applyLanguage();
}

// ---------------------------------------------------------------------------------------------------------
// Signing in and out

async function signIn(key) {
  state.key = key;
  const error = $('sign-in-error');
  error.textContent = '';
  announce(t('signingIn'));
  const lists = await api('GET', '/v1/candidate-lists');
  let role = null;
  if (lists.status === 200) {
    role = 'caseworker';
    state.lists = lists.body;
    await loadSeekers();
  } else if (lists.status === 403) {
    // The audit is the admin's alone; merchants may read their own slots: an id that cannot exist tells
    // the role without revealing anything.
    const audit = await api('GET', '/v1/audit?limit=1');
    const probe = audit.status === 200 ? null : await api('GET', `/v1/slots/${NIL_UUID}`);
    if (probe === null) role = 'admin';
    else if (probe.status !== 401 && probe.status !== 403 && probe.status !== 0) role = 'merchant';
    else if (probe.status === 403) {
      // A live-stream partner may watch any fair's live board (an employer may not): a fair that cannot
      // exist answers 404 to a partner, 403 to the other roles.
      const live = await api('GET', `/v1/fairs/${NIL_UUID}/live`);
      // Of the others, employers may list the fairs they take part in.
      const fairs = live.status === 403 ? await api('GET', '/v1/fairs') : null;
      if (live.status === 404) role = 'partner';
      else if (fairs?.status === 200) role = 'employer';
      else error.textContent = live.status === 0 ? live.message : t('roleUnsupported');
    } else error.textContent = probe.status === 0 ? probe.message : t('roleUnsupported');
  } else {
    error.textContent = lists.status === 401 ? t('keyUnknown') : lists.message;
  }
  if (role === null) {
    state.key = null;
    sessionStorage.removeItem(KEY_STORAGE);
    announce('');
    showSignIn();
    return;
  }
  state.role = role;
  sessionStorage.setItem(KEY_STORAGE, key);
  $('api-key').value = '';
  if (role === 'merchant') await loadSlots();
  if (role === 'admin') await loadAdmin();
  if (role === 'merchant' || role === 'admin') await loadAdvice();
  if (role === 'admin' || role === 'partner' || role === 'employer') await loadFairs();
  showSignedIn();
  announce(t('signedInAs', role));
}

function signOut(message) {
  state.key = null;
  state.role = null;
  state.lists = [];
  state.seekers = [];
  state.matchNotes.clear();
  state.declining = null;
  state.why = null;
  state.slots = [];
  state.slotErrors = [];
  state.redemption = null;
  state.admin = { funnel: null, uptake: null, dead: [], audit: [], auditPerson: '' };
  state.advice = { points: [], error: null };
  stopFairStream();
  state.fair = noFair();
  $('advice-form').reset();
  sessionStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(SLOTS_STORAGE);
  showSignIn();
  if (message === t('keyRejected')) $('sign-in-error').textContent = message;
  announce(message ?? t('signedOut'));
  $('api-key').focus();
}

function showSignIn() {
  $('sign-in').hidden = false;
  $('sign-out').hidden = true;
  $('caseworker').hidden = true;
  $('merchant').hidden = true;
  $('admin').hidden = true;
  $('advice').hidden = true;
  $('fair').hidden = true;
}

function showSignedIn() {
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  $('caseworker').hidden = state.role !== 'caseworker';
  $('merchant').hidden = state.role !== 'merchant';
  $('admin').hidden = state.role !== 'admin';
  $('advice').hidden = state.role !== 'merchant' && state.role !== 'admin';
  $('fair').hidden = state.role !== 'admin' && state.role !== 'partner' && state.role !== 'employer';
  render();
  $('main').focus();
}

function render() {
  if (state.role === 'caseworker') {
    renderLists();
    renderSeekers();
    renderWhy();
  } else if (state.role === 'merchant') {
    renderSlots();
    renderRedemption();
    renderAdvice();
  } else if (state.role === 'admin') {
    renderAdmin();
    renderAdvice();
    renderFair();
  } else if (state.role === 'partner' || state.role === 'employer') {
    renderFair();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Caseworker: candidate lists and follow-up

async function loadLists() {
  const result = await api('GET', '/v1/candidate-lists');
  if (result.ok) state.lists = result.body;
  return result;
}

async function loadSeekers() {
  const result = await api('GET', '/v1/caseworkers/me/seekers?limit=500');
  if (result.ok) state.seekers = result.body;
  return result;
}

/** The worklist as a table: who, days waiting, matches in progress, last contact. */
function renderSeekers() {
  const container = $('seekers');
  if (state.seekers.length === 0) {
    container.replaceChildren(el('p', { class: 'hint', text: t('seekersEmpty') }));
    return;
  }
  const head = el(
    'tr',
    {},
    ...['seekersName', 'seekersDays', 'seekersInProgress', 'seekersLastContact'].map((key) => el('th', { scope: 'col', text: t(key) })),
  );
  const rows = state.seekers.map((seeker) =>
    el(
      'tr',
      { 'data-candidate-id': seeker.candidateId },
      el('th', { scope: 'row', text: seeker.displayName }),
      el('td', { 'data-field': 'days', text: String(seeker.daysWaiting) }),
      el('td', { 'data-field': 'in-progress', text: String(seeker.matchesInProgress) }),
      el('td', { 'data-field': 'last-contact', text: seeker.lastContactAt === null ? t('seekersNever') : localTime(seeker.lastContactAt) }),
    ),
  );
  // Scrolls on its own on a narrow screen, never the page.
  container.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { class: 'worklist' }, el('thead', {}, head), el('tbody', {}, ...rows))));
}

function statusName(status, kind) {
  if (kind === 'slot' && status === 'proposed') return t('status.offered');
  return t(`status.${status}`);
}

function reasonSentence(reason) {
  const sentence = TEXTS[state.lang].reason[reason.code];
  try {
    return typeof sentence === 'function' ? sentence(reason) : t('reason.other', String(reason.code));
  } catch {
    return t('reason.other', String(reason.code));
  }
}

function renderLists() {
  const container = $('lists');
  const offers = [];
  for (const list of state.lists) {
    const items = list.matches.map((match) => matchCard(list, match));
    offers.push(
      el(
        'article',
        { class: 'offer', 'aria-labelledby': `offer-${list.offerId}` },
        el('h3', { id: `offer-${list.offerId}` }, el('span', { class: 'badge', text: list.kind === 'slot' ? t('kindSlot') : t('kindOpening') }), list.title),
        el('p', { class: 'meta' }, t('peopleCount', list.matches.length), ' · ', el('span', { class: 'mono', text: list.offerId })),
        el('ul', { class: 'matches' }, items),
      ),
    );
  }
  container.replaceChildren(...(offers.length === 0 ? [el('p', { class: 'hint', text: t('listsEmpty') })] : offers));
  renderWhyOptions();
}

function matchCard(list, match) {
  const note = state.matchNotes.get(match.matchId);
  const reasons = Array.isArray(match.reasons) ? match.reasons : [];
  return el(
    'li',
    { class: 'match', 'data-match-id': match.matchId, tabindex: '-1' },
    el(
      'div',
      { class: 'match-head' },
      el('span', { class: 'name', text: match.displayName }),
      el('span', { class: 'score', text: t('score', match.score) }),
      el('span', { class: 'status' }, t('statusLabel'), el('strong', { 'data-status': match.status, text: statusName(match.status, list.kind) })),
    ),
    el(
      'ul',
      { class: 'reasons', 'aria-label': t('reasonsLabel') },
      reasons.map((reason) => el('li', { text: reasonSentence(reason) })),
    ),
    matchActions(list, match),
    state.declining === match.matchId ? declineForm(match) : null,
    note === undefined ? null : el('p', { class: note.kind, role: note.kind === 'error' ? 'alert' : 'status', text: note.text }),
  );
}

function matchActions(list, match) {
  const buttons = [];
  if (list.kind === 'opening' && OPEN_STATUSES.includes(match.status)) {
    const next = NEXT_STATUS[match.status];
    buttons.push(el('button', { type: 'button', onClick: () => move(match, next), text: t('moveTo', t(`status.${next}`)) }));
    buttons.push(el('button', { type: 'button', class: 'secondary', onClick: () => move(match, 'no_response'), text: t('moveTo', t('status.no_response')) }));
    buttons.push(
      el('button', {
        type: 'button',
        class: 'secondary',
        'aria-expanded': state.declining === match.matchId ? 'true' : 'false',
        onClick: () => toggleDecline(match),
        text: t('declineOpen'),
      }),
    );
  }
  buttons.push(
    el('button', {
      type: 'button',
      class: 'secondary',
      onClick: () => explainFromList(list, match),
      text: t('explainThis'),
      'aria-label': `${t('explainThis')} ${match.displayName}`,
    }),
  );
  return el('div', { class: 'actions' }, buttons);
}

function declineForm(match) {
  const inputId = `decline-${match.matchId}`;
  return el(
    'form',
    {
      class: 'decline-form',
      onSubmit: (event) => {
        event.preventDefault();
        move(match, 'declined', $(inputId).value);
      },
    },
    el(
      'div',
      { class: 'field' },
      el('label', { for: inputId, text: t('declineReason') }),
      el('input', { id: inputId, required: true, maxlength: '500', autocomplete: 'off' }),
    ),
    el('button', { type: 'submit', text: t('declineConfirm') }),
    el('button', { type: 'button', class: 'secondary', onClick: () => toggleDecline(match), text: t('cancel') }),
  );
}

function toggleDecline(match) {
  state.declining = state.declining === match.matchId ? null : match.matchId;
  renderLists();
  const target = state.declining === match.matchId ? $(`decline-${match.matchId}`) : cardOf(match.matchId);
  target?.focus();
}

function cardOf(matchId) {
  return document.querySelector(`li.match[data-match-id="${CSS.escape(matchId)}"]`);
}

async function move(match, status, reason) {
  const card = cardOf(match.matchId);
  for (const button of card?.querySelectorAll('button') ?? []) button.disabled = true;
  const body = reason === undefined ? { status } : { status, reason };
  const result = await api('PATCH', `/v1/matches/${encodeURIComponent(match.matchId)}`, body);
  if (state.role !== 'caseworker') return;
  if (result.ok) {
    const text = t('moved', match.displayName, t(`status.${result.body.status}`));
    state.matchNotes.set(match.matchId, { kind: 'success', text });
    state.declining = null;
    announce(text);
  } else {
    state.matchNotes.set(match.matchId, { kind: 'error', text: `${t('refused')}${result.message}` });
  }
  // Show the status as it is now, whether or not this change was allowed.
  await loadLists();
  renderLists();
  cardOf(match.matchId)?.focus();
}

// ---------------------------------------------------------------------------------------------------------
// Caseworker: why (not)

function renderWhyOptions() {
  const people = new Map();
  const offers = new Map();
  for (const list of state.lists) {
    offers.set(list.offerId, list);
    for (const match of list.matches) people.set(match.candidateId, match.displayName);
  }
  $('why-people').replaceChildren(...[...people].map(([id, name]) => el('option', { value: id, label: name })));
  $('why-offers').replaceChildren(
    ...[...offers.values()].map((list) =>
      el('option', { value: list.offerId, label: `${list.kind === 'slot' ? t('kindSlot') : t('kindOpening')}: ${list.title}` }),
    ),
  );
}

function explainFromList(list, match) {
  $('why-person').value = match.candidateId;
  $('why-kind').value = list.kind;
  $('why-offer').value = list.offerId;
  explain().then(() => $('why-result').querySelector('h3')?.focus());
}

async function explain() {
  const personId = $('why-person').value.trim();
  const kind = $('why-kind').value === 'slot' ? 'slot' : 'opening';
  const offerId = $('why-offer').value.trim();
  if (personId === '' || offerId === '') {
    state.why = { error: t('fieldsRequired') };
    renderWhy();
    return;
  }
  const query = new URLSearchParams({ [kind === 'slot' ? 'slotId' : 'openingId']: offerId });
  const result = await api('GET', `/v1/candidates/${encodeURIComponent(personId)}/explain?${query}`);
  if (state.role !== 'caseworker') return;
  state.why = result.ok ? { view: result.body, personId, offerId } : { error: result.message };
  renderWhy();
}

function ruleItem(check) {
  const [title, describe] = TEXTS[state.lang].rule[check.rule] ?? TEXTS[state.lang].rule.other;
  let detail = '';
  try {
    detail = describe(check);
  } catch {
    detail = '';
  }
  return el(
    'li',
    { class: check.pass ? 'rule' : 'rule failed', 'data-rule': check.rule, 'data-pass': String(check.pass) },
    el('span', { class: 'verdict', text: check.pass ? t('pass') : t('fail') }),
    ' ',
    el('strong', { text: title }),
    detail === '' ? '' : `${t('colon')}${detail}`,
  );
}

function renderWhy() {
  const container = $('why-result');
  const why = state.why;
  if (why === null) {
    container.replaceChildren();
    return;
  }
  if (why.error !== undefined) {
    container.replaceChildren(el('p', { class: 'error', role: 'alert', text: why.error }));
    return;
  }
  const { view } = why;
  const person = findPersonName(view.candidateId) ?? view.candidateId;
  const offer = findOfferTitle(view.offerId) ?? view.offerId;
  container.replaceChildren(
    el('h3', { tabindex: '-1', text: t('whyHeading', person, offer) }),
    el('p', { class: view.eligible ? 'success' : 'error', text: view.eligible ? t('whyEligible') : t('whyNotEligible') }),
    el('p', { text: view.match === null ? t('whyNoMatch') : t('whyMatch', statusName(view.match.status, view.offerKind), view.match.score) }),
    el('ul', { class: 'rules' }, view.rules.map(ruleItem)),
    view.caps.length === 0 ? null : el('h4', { text: t('whyCaps') }),
    view.caps.length === 0 ? null : el('ul', { class: 'rules' }, view.caps.map(ruleItem)),
  );
}

function findPersonName(candidateId) {
  for (const list of state.lists) for (const match of list.matches) if (match.candidateId === candidateId) return match.displayName;
  return undefined;
}

function findOfferTitle(offerId) {
  return state.lists.find((list) => list.offerId === offerId)?.title;
}

// ---------------------------------------------------------------------------------------------------------
// Merchant: slots and redemptions

function addedSlotIds() {
  try {
    const ids = JSON.parse(sessionStorage.getItem(SLOTS_STORAGE) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** The slots this merchant has heard about in its inbox, plus the ones added by id in this tab. */
async function loadSlots() {
  const ids = [];
  const inbox = await api('GET', '/v1/inbox?limit=500');
  if (inbox.ok) {
    for (const entry of inbox.body) {
      const offer = entry.payload?.offer;
      if (offer?.kind === 'slot' && typeof offer.id === 'string' && !ids.includes(offer.id)) ids.push(offer.id);
    }
  }
  for (const id of addedSlotIds()) if (!ids.includes(id)) ids.push(id);
  const results = await Promise.all(ids.map((id) => api('GET', `/v1/slots/${encodeURIComponent(id)}`)));
  state.slots = results.filter((result) => result.ok).map((result) => result.body);
  state.slotErrors = inbox.ok ? [] : [inbox.message];
}

function windowText(window) {
  const day = t('days')[window.day - 1] ?? String(window.day);
  return `${day} ${window.start}–${window.end}`;
}

function offerText(offer) {
  const parts = [];
  if (typeof offer.discountPercent === 'number') parts.push(t('discount', offer.discountPercent));
  if (typeof offer.price === 'number') parts.push(t('price', offer.price));
  if (typeof offer.description === 'string' && offer.description !== '') parts.push(offer.description);
  return parts.join(' · ');
}

function localTime(iso) {
  return new Date(iso).toLocaleString(state.lang, { dateStyle: 'medium', timeStyle: 'short' });
}

function renderSlots() {
  const container = $('slots');
  const fact = (label, value, attributes = {}) => [el('dt', { text: label }), el('dd', { ...attributes, text: value })];
  const cards = state.slots.map((slot) =>
    el(
      'li',
      { class: 'slot', 'data-slot-id': slot.id },
      el('h3', { text: slot.title }),
      el('p', { class: 'meta mono', text: slot.id }),
      el(
        'dl',
        { class: 'facts' },
        fact(t('fieldStatus'), t(`slotStatus.${slot.status}`)),
        fact(t('fieldKind'), t(`slotKind.${slot.kind}`)),
        fact(t('fieldCapacity'), String(slot.capacity)),
        fact(t('fieldOffered'), String(slot.offerSummary.offered), { 'data-field': 'offered' }),
        fact(t('fieldRedeemed'), String(slot.offerSummary.redeemed), { 'data-field': 'redeemed' }),
        fact(t('fieldOffer'), offerText(slot.offer)),
        fact(t('fieldWindows'), slot.windows.map(windowText).join(t('listSeparator'))),
        fact(t('fieldValidUntil'), slot.validUntil === null ? t('noValidUntil') : localTime(slot.validUntil)),
      ),
    ),
  );
  container.replaceChildren(
    ...state.slotErrors.map((message) => el('p', { class: 'error', role: 'alert', text: message })),
    cards.length === 0 ? el('p', { class: 'hint', text: t('slotsEmpty') }) : el('ul', { class: 'slots' }, cards),
  );
  const select = $('redeem-slot');
  const chosen = select.value;
  select.replaceChildren(...state.slots.map((slot) => el('option', { value: slot.id, text: slot.title })));
  if (state.slots.some((slot) => slot.id === chosen)) select.value = chosen;
}

function renderRedemption() {
  const container = $('redeem-result');
  const outcome = state.redemption;
  if (outcome === null) {
    container.replaceChildren();
  } else if (outcome.error !== undefined) {
    container.replaceChildren(el('p', { class: 'error', role: 'alert', text: `${t('redeemRefused')}${outcome.error}` }));
  } else {
    container.replaceChildren(el('p', { class: 'success', text: t('redeemOk', localTime(outcome.view.redeemedAt)) }));
  }
}

async function redeem() {
  const slotId = $('redeem-slot').value;
  const code = $('redeem-code').value.trim();
  if (slotId === '' || code === '') {
    state.redemption = { error: slotId === '' ? t('redeemNoSlot') : t('fieldsRequired') };
    renderRedemption();
    return;
  }
  const result = await api('POST', `/v1/slots/${encodeURIComponent(slotId)}/redemptions`, { code });
  if (state.role !== 'merchant') return;
  state.redemption = result.ok ? { view: result.body } : { error: result.message };
  if (result.ok) $('redeem-code').value = '';
  await loadSlots();
  renderSlots();
  renderRedemption();
}

async function addSlot() {
  const id = $('slot-add-id').value.trim();
  const error = $('slot-add-error');
  error.textContent = '';
  if (id === '') {
    error.textContent = t('fieldsRequired');
    return;
  }
  const result = await api('GET', `/v1/slots/${encodeURIComponent(id)}`);
  if (state.role !== 'merchant') return;
  if (!result.ok) {
    error.textContent = result.message;
    return;
  }
  const ids = addedSlotIds();
  if (!ids.includes(result.body.id)) sessionStorage.setItem(SLOTS_STORAGE, JSON.stringify([...ids, result.body.id]));
  $('slot-add-id').value = '';
  await loadSlots();
  renderSlots();
  $('redeem-slot').value = result.body.id;
  announce(t('slotAdded'));
}

// ---------------------------------------------------------------------------------------------------------
// Wiring

/** Runs a form's action with its submit button disabled, so a double click sends one request. */
function onSubmit(formId, action) {
  const form = $(formId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll('button');
    for (const button of buttons) button.disabled = true;
    try {
      await action();
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// The union admin: funnel, slot uptake, people still seeking, dead deliveries, the audit of reads

async function loadAdmin() {
  const person = state.admin.auditPerson;
  const [funnel, uptake, dead, audit] = await Promise.all([
    api('GET', '/v1/reports/funnel'),
    api('GET', '/v1/reports/slot-uptake'),
    api('GET', '/v1/deliveries?status=dead'),
    api('GET', `/v1/audit?limit=50${person === '' ? '' : `&candidateId=${encodeURIComponent(person)}`}`),
  ]);
  if (funnel.ok) state.admin.funnel = funnel.body;
  if (uptake.ok) state.admin.uptake = uptake.body;
  if (dead.ok) state.admin.dead = dead.body;
  state.admin.audit = audit.ok ? audit.body : [];
  state.admin.auditError = audit.ok ? null : audit.message;
}

/** A table with a header row; numbers right-aligned by the stylesheet (td). */
function dataTable(headers, rows) {
  if (rows.length === 0) return el('p', { class: 'hint', text: t('noneYet') });
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'worklist' },
      el('thead', {}, el('tr', {}, ...headers.map((key) => el('th', { scope: 'col', text: t(key) })))),
      el(
        'tbody',
        {},
        ...rows.map(([head, ...cells]) =>
          el('tr', {}, el('th', { scope: 'row', text: String(head) }), ...cells.map((cell) => el('td', {}, cell instanceof Node ? cell : String(cell)))),
        ),
      ),
    ),
  );
}

function renderAdmin() {
  const { funnel, uptake, dead, audit, auditError } = state.admin;
  const stages = ['proposed', 'contacted', 'interested', 'interview', 'hired', 'retained30', 'retained90'];
  $('funnel').replaceChildren(
    dataTable(
      ['colOpening', 'colPositions', ...stages.map((stage) => `stage.${stage}`)],
      (funnel?.openings ?? []).map((opening) => [opening.title, opening.positions, ...stages.map((stage) => opening.funnel[stage])]),
    ),
  );
  $('still-seeking').textContent = funnel?.stillSeeking === undefined ? '' : t('stillSeeking', funnel.stillSeeking.after30Days);
  $('uptake').replaceChildren(
    dataTable(
      ['colMerchant', 'colOffered', 'colDelivered', 'colRedeemed', 'colExpired', 'colUptake'],
      (uptake?.merchants ?? []).map((row) => [row.name, row.offered, row.delivered, row.redeemed, row.expired, `${Math.round(row.uptakeRate * 100)}%`]),
    ),
  );
  $('dead').replaceChildren(
    dataTable(
      ['colType', 'colChannel', 'colRecipient', 'colAttempts', 'colLastError', 'colWhen'],
      dead.map((row) => [row.type, row.channel, row.recipientKind, row.attempts, row.lastError ?? '', localTime(row.updatedAt)]),
    ),
  );
  $('audit').replaceChildren(
    auditError === null || auditError === undefined
      ? dataTable(
          ['colWhen', 'colReader', 'colPerson', 'colWhat'],
          audit.map((row) => [localTime(row.readAt), `${row.readerKind} ${row.readerId}`, row.candidateId, t(`read.${row.what}`)]),
        )
      : el('p', { class: 'error', role: 'alert', text: auditError }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Merchants and the admin: idle-capacity advice per service point (counts only, never who)

/** Asks again with the radius in the form; the API checks it and its refusal is shown. */
async function loadAdvice() {
  const radius = $('advice-radius').value.trim();
  const result = await api('GET', `/v1/slots/advice${radius === '' ? '' : `?radiusKm=${encodeURIComponent(radius)}`}`);
  state.advice = result.ok ? { points: result.body, error: null } : { points: state.advice.points, error: result.message };
}

function advicePoint(point) {
  const heading = `advice-${point.servicePointId}`;
  const busiest =
    point.busiestHours.length === 0
      ? el('p', { class: 'hint', text: t('adviceBusiestEmpty') })
      : el(
          'ul',
          { class: 'busiest', 'aria-labelledby': `${heading}-busiest` },
          point.busiestHours.map((hour) => el('li', {}, el('strong', { text: windowText(hour.window) }), t('colon'), t('adviceOnBreak', hour.suits))),
        );
  const share = (suits) =>
    el(
      'span',
      { class: 'share' },
      el('meter', {
        min: '0',
        max: String(Math.max(point.peopleWithinReach, 1)),
        value: String(suits),
        'aria-label': t('adviceShare', suits, point.peopleWithinReach),
      }),
      el('span', { text: t('adviceShare', suits, point.peopleWithinReach) }),
    );
  const suggestions =
    point.suggestions.length === 0
      ? el('p', { class: 'hint', text: t('adviceSuggestionsEmpty') })
      : dataTable(
          ['colWindow', 'colReach', 'colShare'],
          point.suggestions.map((suggestion) => [windowText(suggestion.window), suggestion.suits, share(suggestion.suits)]),
        );
  const slots =
    point.slots.length === 0
      ? el('p', { class: 'hint', text: t('adviceSlotsEmpty') })
      : dataTable(
          ['colSlot', 'fieldWindows', 'colOffered', 'colRedeemed', 'colUptake'],
          point.slots.map((slot) => [
            slot.title,
            slot.windows.map(windowText).join(t('listSeparator')),
            slot.offered,
            slot.redeemed,
            `${Math.round(slot.uptakeRate * 100)}%`,
          ]),
        );
  return el(
    'article',
    { class: 'advice-point', 'data-service-point-id': point.servicePointId, 'aria-labelledby': heading },
    el('h3', { id: heading, text: point.name }),
    el('p', { class: 'reach', 'data-field': 'within-reach', text: t('adviceWithinReach', point.peopleWithinReach, point.radiusKm) }),
    el('h4', { id: `${heading}-busiest`, text: t('adviceBusiest') }),
    busiest,
    el('h4', { text: t('adviceSuggestions') }),
    el('p', { class: 'hint', text: t('adviceSuggestionsHint') }),
    el('div', { class: 'advice-suggestions' }, suggestions),
    el('h4', { text: t('adviceSlots') }),
    el('div', { class: 'advice-slots' }, slots),
  );
}

function renderAdvice() {
  const { points, error } = state.advice;
  const refusal = error === null ? [] : [el('p', { class: 'error', role: 'alert', text: error })];
  $('advice-points').replaceChildren(...refusal, ...(points.length === 0 ? [el('p', { class: 'hint', text: t('adviceEmpty') })] : points.map(advicePoint)));
}

// ---------------------------------------------------------------------------------------------------------
// The admin and live-stream partners: a job fair's live board (counts only, never who); employers: their
// own openings' counts, asked for every few seconds

async function loadFairs() {
  const result = await api('GET', '/v1/fairs');
  if (result.ok) state.fair.fairs = result.body;
  state.fair.error = result.ok ? null : result.message;
}

/** The titles and employers of the fair's openings, which the board names by id only. */
async function loadFairOpenings(fairId) {
  const result = await api('GET', `/v1/fairs/${encodeURIComponent(fairId)}/openings`);
  if (state.fair.fairId !== fairId) return;
  if (result.ok) for (const opening of result.body) state.fair.openings.set(opening.openingId, opening);
  else state.fair.error = result.message;
}

function stopFairStream() {
  state.fair.stream?.abort();
  state.fair.stream = null;
}

async function selectFair(fairId) {
  stopFairStream();
  const fairs = state.fair.fairs;
  state.fair = { ...noFair(), fairs, fairId: fairId === '' ? null : fairId };
  renderFairBoard();
  if (state.fair.fairId === null) return;
  state.fair.connection = 'connecting';
  renderFairStatus();
  await loadFairOpenings(fairId);
  if (state.fair.fairId !== fairId) return;
  renderFairBoard();
  void (state.role === 'employer' ? pollFair(fairId) : followFair(fairId));
}

/** Reads the fair's event stream until another fair is chosen or the user signs out, reconnecting after a drop. */
async function followFair(fairId) {
  const controller = new AbortController();
  state.fair.stream = controller;
  const following = () => !controller.signal.aborted && state.fair.stream === controller;
  let retryMs = FAIR_RETRY_MS;
  while (following()) {
    const outcome = await readLiveBoard(fairId, controller.signal, (ms) => {
      retryMs = ms;
    });
    if (!following()) return;
    state.fair.connection = outcome === 'stop' ? 'stopped' : 'reconnecting';
    renderFairStatus();
    if (outcome === 'stop') return;
    await pause(retryMs, controller.signal);
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const early = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener('abort', early, { once: true });
  });
}

/** An employer's view: its own openings' board (GET /v1/fairs/:id/board), asked for every few seconds. */
async function pollFair(fairId) {
  const controller = new AbortController();
  state.fair.stream = controller;
  const following = () => !controller.signal.aborted && state.fair.stream === controller;
  while (following()) {
    const result = await api('GET', `/v1/fairs/${encodeURIComponent(fairId)}/board`);
    if (!following()) return;
    if (result.ok) {
      state.fair.connection = 'polling';
      state.fair.error = null;
      showBoard(fairId, result.body);
    } else {
      const hopeless = result.status === 400 || result.status === 403 || result.status === 404;
      state.fair.connection = hopeless ? 'stopped' : 'reconnecting';
      state.fair.error = result.message;
      renderFairStatus();
      if (hopeless) return;
    }
    await pause(FAIR_POLL_MS, controller.signal);
  }
}

/**
 * One connection to `GET /v1/fairs/:id/live`. EventSource cannot send the key, so the stream is read with
 * fetch and its blocks parsed here. Answers 'stop' when asking again cannot help, else 'retry'.
 */
async function readLiveBoard(fairId, signal, onRetry) {
  const connection = new AbortController();
  const cut = () => connection.abort();
  signal.addEventListener('abort', cut, { once: true });
  let watchdog;
  const alive = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(cut, FAIR_STALL_MS);
  };
  try {
    alive();
    const response = await fetch(`/v1/fairs/${encodeURIComponent(fairId)}/live`, {
      headers: { Accept: 'text/event-stream', Authorization: `Bearer ${state.key}` },
      cache: 'no-store',
      credentials: 'omit',
      signal: connection.signal,
    });
    if (response.status === 401) {
      signOut(t('keyRejected'));
      return 'stop';
    }
    if (!response.ok || response.body === null) {
      let data = null;
      try {
        data = JSON.parse(await response.text());
      } catch {
        data = null;
      }
      state.fair.error = errorMessage(data, response.status);
      renderFairStatus();
      return response.status === 400 || response.status === 403 || response.status === 404 ? 'stop' : 'retry';
    }
    state.fair.connection = 'live';
    state.fair.error = null;
    renderFairStatus();
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'retry';
      alive();
      buffered += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n');
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = sseEvent(block);
        if (event.retry !== undefined) onRetry(event.retry);
        if (event.type !== 'board' || event.data === '' || state.fair.stream?.signal !== signal) continue;
        try {
          showBoard(fairId, JSON.parse(event.data));
        } catch {
          // A block cut short is not a board; the next one is.
        }
      }
    }
  } catch {
    return 'retry';
  } finally {
    clearTimeout(watchdog);
    signal.removeEventListener('abort', cut);
  }
}

/** One block of an event stream: its event type, its data lines joined, its retry; comment lines are skipped. */
function sseEvent(block) {
  const event = { type: 'message', data: [], retry: undefined };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.type = value;
    else if (field === 'data') event.data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
  }
  return { ...event, data: event.data.join('\n') };
}

function showBoard(fairId, board) {
  if (state.fair.fairId !== fairId || board.fairId !== fairId) return;
  state.fair.board = board;
  renderFairBoard();
  // An opening attached since the fair was chosen: its title is asked for once.
  const unknown = board.openings.filter((opening) => !state.fair.openings.has(opening.openingId) && !state.fair.openingsAsked.has(opening.openingId));
  if (unknown.length === 0) return;
  for (const opening of unknown) state.fair.openingsAsked.add(opening.openingId);
  void loadFairOpenings(fairId).then(() => {
    if (state.fair.fairId === fairId) renderFairBoard();
  });
}

const shortId = (id) => `${String(id).slice(0, 8)}…`;

function clockTime(iso) {
  return new Date(iso).toLocaleTimeString(state.lang, { timeStyle: 'medium' });
}

function renderFairOptions() {
  const { fairs, fairId } = state.fair;
  const select = $('fair-select');
  const options = fairs.map((fair) =>
    el('option', { value: fair.id, selected: fair.id === fairId, text: t('fairOption', fair.name, localTime(fair.startsAt)) }),
  );
  const placeholder = el('option', { value: '', selected: fairId === null, text: fairs.length === 0 ? t('fairNone') : t('fairChoose') });
  select.replaceChildren(placeholder, ...options);
}

/** The connection's state and the time of the last figures; the state is a live region, so only changes are written. */
function renderFairStatus() {
  const { fairId, board, connection, error } = state.fair;
  $('fair-live').hidden = fairId === null;
  const indicator = $('fair-connection');
  const label = connection === 'idle' ? '' : t(`fairState.${connection}`);
  if (indicator.textContent !== label) indicator.textContent = label;
  indicator.dataset.state = connection;
  $('fair-updated').textContent = board === null ? '' : t('fairUpdated', clockTime(board.at));
  $('fair-error').textContent = error ?? '';
}

function renderFair() {
  renderFairOptions();
  renderFairBoard();
}

/** The figures: redrawn on every board event, leaving the fair's picker alone. */
function renderFairBoard() {
  renderFairStatus();
  const { fairId, board, openings } = state.fair;
  const container = $('fair-board');
  if (fairId === null) {
    container.replaceChildren();
    return;
  }
  if (board === null) {
    container.replaceChildren(el('p', { class: 'hint', text: t('fairWaiting') }));
    return;
  }
  const boardTitles = new Map(board.openings.map((opening) => [opening.openingId, opening.title]));
  const boardNames = new Map(board.employers.map((employer) => [employer.employerId, employer.name]));
  const titleOf = (openingId) => boardTitles.get(openingId) ?? openings.get(openingId)?.title ?? t('fairOpeningUnknown', shortId(openingId));
  const employerName = (employerId) => boardNames.get(employerId) ?? t('fairEmployer', shortId(employerId));
  const totals = el(
    'dl',
    { class: 'fair-totals', 'aria-label': t('fairTotals') },
    FAIR_COUNTS.map((count) =>
      el(
        'div',
        { class: 'fair-total' },
        el('dt', { text: t(`fair${count[0].toUpperCase()}${count.slice(1)}`) }),
        el('dd', { 'data-field': count, text: String(board.totals[count]) }),
      ),
    ),
  );
  const countCells = (row) => FAIR_COUNTS.map((count) => el('td', { 'data-field': count, text: String(row[count]) }));
  const table = (headers, rows) =>
    rows.length === 0
      ? el('p', { class: 'hint', text: t('noneYet') })
      : el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'worklist' },
            el('thead', {}, el('tr', {}, ...headers.map((key) => el('th', { scope: 'col', text: t(key) })))),
            el('tbody', {}, ...rows),
          ),
        );
  const employers = table(
    ['colEmployer', 'colFairOpenings', 'fairIntents', 'fairMatched', 'fairContacted'],
    board.employers.map((employer) => {
      const titles = board.openings.filter((opening) => opening.employerId === employer.employerId).map((opening) => titleOf(opening.openingId));
      return el(
        'tr',
        { 'data-employer-id': employer.employerId },
        el('th', { scope: 'row', title: employer.employerId, text: employerName(employer.employerId) }),
        el('td', { 'data-field': 'openings', text: titles.join(t('listSeparator')) }),
        ...countCells(employer),
      );
    }),
  );
  const perOpening = table(
    ['colOpening', 'colEmployer', 'fairIntents', 'fairMatched', 'fairContacted'],
    board.openings.map((opening) =>
      el(
        'tr',
        { 'data-opening-id': opening.openingId },
        el('th', { scope: 'row', text: titleOf(opening.openingId) }),
        el('td', { 'data-field': 'employer', title: opening.employerId, text: employerName(opening.employerId) }),
        ...countCells(opening),
      ),
    ),
  );
  container.replaceChildren(
    totals,
    el('h3', { text: t('fairByEmployer') }),
    el('div', { class: 'fair-employers' }, employers),
    el('h3', { text: t('fairByOpening') }),
    el('div', { class: 'fair-openings' }, perOpening),
  );
}

function refreshButton(buttonId, action) {
  $(buttonId).addEventListener('click', async () => {
    const button = $(buttonId);
    button.disabled = true;
    try {
      await action();
      announce(t('updated'));
    } finally {
      button.disabled = false;
    }
  });
}

function start() {
  $('language').addEventListener('click', switchLanguage);
  $('sign-out').addEventListener('click', () => signOut());
  onSubmit('sign-in-form', async () => {
    const key = $('api-key').value.trim();
    if (key === '') {
      $('sign-in-error').textContent = t('keyRequired');
      $('api-key').focus();
      return;
    }
    await signIn(key);
  });
  onSubmit('why-form', explain);
  onSubmit('redeem-form', redeem);
  onSubmit('slot-add-form', addSlot);
  refreshButton('lists-refresh', async () => {
    await loadLists();
    renderLists();
  });
  refreshButton('seekers-refresh', async () => {
    await loadSeekers();
    renderSeekers();
  });
  refreshButton('admin-refresh', async () => {
    await loadAdmin();
    renderAdmin();
  });
  onSubmit('audit-form', async () => {
    state.admin.auditPerson = $('audit-person').value.trim();
    await loadAdmin();
    renderAdmin();
  });
  onSubmit('advice-form', async () => {
    await loadAdvice();
    if (state.role !== 'merchant' && state.role !== 'admin') return;
    renderAdvice();
    if (state.advice.error === null) announce(t('updated'));
  });
  refreshButton('fairs-refresh', async () => {
    await loadFairs();
    renderFair();
  });
  $('fair-select').addEventListener('change', () => selectFair($('fair-select').value));
  refreshButton('slots-refresh', async () => {
    await loadSlots();
    renderSlots();
  });
  applyLanguage();
  if (state.key !== null) signIn(state.key);
  else showSignIn();
}

start();
