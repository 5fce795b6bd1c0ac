// The benefit map (惠工地图) for a worker's phone: what is on offer near them, from GET /v1/benefits. Places and
// offers only. Everything from the API is written with textContent (names come from merchants), never as HTML.
// With Leaflet and street tiles it is a map; when the tiles cannot be reached the places are still plotted on
// Leaflet's plain background, and without Leaflet on a plain drawing: the list below works in every case.

const KEY_STORAGE = 'huigong.console.key';
const LANGUAGE_STORAGE = 'huigong.console.lang';

const TEXTS = {
  'zh-CN': {
    title: '惠工地图',
    group: '人群',
    anyone: '所有人',
    kind: '类型',
    anyKind: '全部',
    radius: '范围',
    keySummary: 'API 密钥（公开地图无需填写）',
    tilesUnreachable: '无法加载街道底图：下面的图只按距离画出各个地点。',
    loading: '正在查找附近的优惠……',
    found: (n, km) => `${km} 公里内有 ${n} 处`,
    none: '附近暂时没有优惠。',
    needKey: '这张地图需要 API 密钥：请在上面填写。',
    failed: '暂时无法读取地图，请稍后再试。',
    you: '你在这里',
    walk: (km, min) => `${km} 公里 · 步行约 ${min} 分钟`,
    openNow: (end) => `营业中，至 ${end}`,
    opensAt: (start) => `下次营业 ${start}`,
    hoursUnknown: '营业时间未提供',
    offerNow: (end) => `现在可用，至 ${end}`,
    offerNext: (start) => `下次 ${start}`,
    seats: (n) => `每次 ${n} 个名额`,
    off: (n) => `${n}% 折扣`,
    price: (p) => `${p} 元`,
    forGroups: '适用：',
    groups: {
      rider: '外卖骑手',
      courier: '快递员',
      security_guard: '保安',
      sanitation: '环卫工人',
      veteran: '退役军人',
      rural_migrant: '农村转移劳动力',
      laid_off: '下岗失业人员',
      reassignment: '转岗待岗职工',
      hardship: '困难职工',
      disabled: '残疾职工',
      flexible: '灵活就业人员',
      new_form: '新就业形态劳动者',
      union_member: '工会会员',
    },
    kinds: { canteen: '食堂', restaurant: '餐馆', barber: '理发', hotel: '酒店', repair: '维修', station: '职工驿站', rest_base: '疗休养基地', other: '其他' },
  },
  en: {
    title: 'Benefit map',
    group: 'For',
    anyone: 'Everyone',
    kind: 'Kind',
    anyKind: 'All',
    radius: 'Within',
    keySummary: 'API key (not needed on a public map)',
    tilesUnreachable: 'The street map cannot be loaded: the drawing below places each point by its distance only.',
    loading: 'Looking for offers near you…',
    found: (n, km) => `${n} within ${km} km`,
    none: 'No offers near here for now.',
    needKey: 'This map needs an API key: enter it above.',
    failed: 'The map cannot be read just now; try again later.',
    you: 'You are here',
    walk: (km, min) => `${km} km · about ${min} min on foot`,
    openNow: (end) => `Open now, until ${end}`,
    opensAt: (start) => `Opens ${start}`,
    hoursUnknown: 'Opening hours not given',
    offerNow: (end) => `Available now, until ${end}`,
    offerNext: (start) => `Next ${start}`,
    seats: (n) => `${n} places each time`,
    off: (n) => `${n}% off`,
    price: (p) => `${p} yuan`,
    forGroups: 'For: ',
    groups: {
      rider: 'delivery riders',
      courier: 'couriers',
      security_guard: 'security guards',
      sanitation: 'sanitation workers',
      veteran: 'veterans',
      rural_migrant: 'rural migrant workers',
      laid_off: 'laid-off workers',
      reassignment: 'workers awaiting reassignment',
      hardship: 'workers in hardship',
      disabled: 'disabled workers',
      flexible: 'flexible workers',
      new_form: 'new-form workers',
      union_member: 'union members',
    },
    kinds: {
      canteen: 'Canteen',
      restaurant: 'Restaurant',
      barber: 'Barber',
      hotel: 'Hotel',
      repair: 'Repair',
      station: 'Worker station',
      rest_base: 'Rest base',
      other: 'Other',
    },
  },
};

const state = {
  lang: TEXTS[localStorage.getItem(LANGUAGE_STORAGE)] ? localStorage.getItem(LANGUAGE_STORAGE) : 'zh-CN',
  settings: null,
  near: null,
  places: [],
};
const $ = (id) => document.getElementById(id);
const t = (key, ...args) => {
  const value = key.split('.').reduce((node, part) => (node === undefined ? undefined : node[part]), TEXTS[state.lang]);
  return typeof value === 'function' ? value(...args) : (value ?? key);
};

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat())
    if (child !== undefined && child !== null && child !== false) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/** A time in the deployment's zone, as the member reads it: "周一 13:00" / "Mon 13:00". */
function when(iso) {
  return new Intl.DateTimeFormat(state.lang, {
    timeZone: state.settings.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

function translateStatic() {
  document.documentElement.lang = state.lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  $('language').textContent = state.lang === 'zh-CN' ? 'English' : '中文';
  $('language').lang = state.lang === 'zh-CN' ? 'en' : 'zh-CN';
  const fill = (select, entries) => {
    const chosen = select.value;
    for (const option of [...select.options].slice(1)) option.remove();
    for (const [value, label] of entries) select.append(el('option', { value, text: label }));
    select.value = chosen;
  };
  fill($('group'), Object.entries(TEXTS[state.lang].groups));
  fill($('kind'), Object.entries(TEXTS[state.lang].kinds));
}

/** Where the member is: ?lat=&lng= in the address, else the phone's position, else the deployment's centre. */
async function findPosition() {
  const query = new URLSearchParams(location.search);
  const lat = Number(query.get('lat'));
  const lng = Number(query.get('lng'));
  if (query.has('lat') && query.has('lng') && Number.isFinite(lat) && Number.isFinite(lng)) return { lat, lng };
  if ('geolocation' in navigator) {
    const found = await new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (position) => resolve({ lat: position.coords.latitude, lng: position.coords.longitude }),
        () => resolve(null),
        { timeout: 8000, maximumAge: 60000 },
      );
    });
    if (found !== null) return found;
  }
  return state.settings.center;
}

async function load() {
  const key = $('api-key').value.trim() || sessionStorage.getItem(KEY_STORAGE) || '';
  const query = new URLSearchParams({ lat: String(state.near.lat), lng: String(state.near.lng), radiusKm: $('radius').value });
  if ($('group').value !== '') query.set('group', $('group').value);
  if ($('kind').value !== '') query.set('kind', $('kind').value);
  $('status').textContent = t('loading');
  const response = await fetch(`/v1/benefits?${query}`, { headers: key === '' ? {} : { Authorization: `Bearer ${key}` } }).catch(() => null);
  if (response === null || !response.ok) {
    $('status').textContent = response !== null && response.status === 401 ? t('needKey') : t('failed');
    if (response !== null && response.status === 401) $('key-box').open = true;
    state.places = [];
  } else {
    if (key !== '') sessionStorage.setItem(KEY_STORAGE, key);
    state.places = (await response.json()).places;
    $('status').textContent = state.places.length === 0 ? t('none') : t('found', state.places.length, $('radius').value);
  }
  renderList();
  plot();
}

function offerLine(offer) {
  const terms = [
    offer.offer.discountPercent === undefined ? null : t('off', offer.offer.discountPercent),
    offer.offer.price === undefined ? null : t('price', offer.offer.price),
    offer.offer.description ?? null,
  ].filter(Boolean);
  const time = offer.next === null ? '' : offer.availableNow ? t('offerNow', when(offer.next.end)) : t('offerNext', when(offer.next.start));
  return el(
    'li',
    { class: 'offer', 'data-slot': offer.slotId },
    el('strong', { text: offer.title }),
    terms.length > 0 ? ` · ${terms.join(' · ')}` : '',
    el('br'),
    [time, t('seats', offer.seatsPerOccurrence)].filter(Boolean).join(' · '),
    el('br'),
    t('forGroups') + offer.eligibleGroups.map((group) => t(`groups.${group}`)).join('、'),
  );
}

function renderList() {
  const list = $('places');
  list.replaceChildren(
    ...state.places.map((place, index) => {
      const hours =
        place.openNow === null
          ? el('p', { class: 'meta', text: t('hoursUnknown') })
          : el('p', {
              class: `meta ${place.openNow ? 'open' : 'closed'}`,
              text: place.openNow ? t('openNow', when(place.opens.end)) : t('opensAt', when(place.opens.start)),
            });
      return el(
        'li',
        { class: 'place', 'data-place': place.servicePointId ?? `offer-${index}` },
        el('h2', { text: place.name }),
        el('p', { class: 'meta', text: [place.kind === null ? null : t(`kinds.${place.kind}`), place.organizationName].filter(Boolean).join(' · ') }),
        el('p', { class: 'meta distance', text: t('walk', place.distanceKm, place.walkingMinutes) }),
        place.address ? el('p', { class: 'meta', text: place.address }) : null,
        hours,
        place.memberBenefit ? el('p', { class: 'benefit', text: place.memberBenefit }) : null,
        place.offers.length > 0 ? el('ul', {}, place.offers.map(offerLine)) : null,
      );
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The map: Leaflet when it loaded (street tiles from the deployment's MAP_TILE_URL), a plain drawing otherwise.

let leaflet = null;

function plot() {
  if (window.L === undefined) return plotPlain();
  const L = window.L;
  if (leaflet === null) {
    const map = L.map('map', { zoomControl: true, attributionControl: true });
    const tiles = L.tileLayer(state.settings.tileUrl, { attribution: state.settings.attribution, maxZoom: 19 });
    let loaded = 0;
    tiles.on('tileload', () => {
      loaded++;
      $('tiles-note').hidden = true;
    });
    tiles.on('tileerror', () => {
      if (loaded === 0) $('tiles-note').hidden = false;
    });
    tiles.addTo(map);
    leaflet = { map, layer: L.layerGroup().addTo(map) };
  }
  leaflet.layer.clearLayers();
  const you = L.circleMarker([state.near.lat, state.near.lng], { radius: 7, color: '#1b5fb3', fillOpacity: 0.9, className: 'you' }).bindTooltip(t('you'));
  leaflet.layer.addLayer(you);
  for (const place of state.places) {
    const marker = L.circleMarker([place.location.lat, place.location.lng], { radius: 9, color: '#b3261e', fillOpacity: 0.7, className: 'place-marker' });
    marker.bindTooltip(place.name);
    leaflet.layer.addLayer(marker);
  }
  const radiusKm = Number($('radius').value);
  leaflet.map.fitBounds(L.latLng(state.near.lat, state.near.lng).toBounds(radiusKm * 2000), { animate: false });
}

/** Each place at its bearing and distance from the member, in an SVG: usable with no script and no tiles from elsewhere. */
function plotPlain() {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'plain');
  svg.setAttribute('viewBox', '-110 -110 220 220');
  const radiusKm = Number($('radius').value);
  const kmPerLng = 111.32 * Math.cos((state.near.lat * Math.PI) / 180);
  const dot = (x, y, r, fill, label, cls) => {
    const circle = document.createElementNS(svgNs, 'circle');
    circle.setAttribute('cx', String(x));
    circle.setAttribute('cy', String(y));
    circle.setAttribute('r', String(r));
    circle.setAttribute('fill', fill);
    circle.setAttribute('class', cls);
    const title = document.createElementNS(svgNs, 'title');
    title.textContent = label;
    circle.append(title);
    svg.append(circle);
  };
  dot(0, 0, 5, '#1b5fb3', t('you'), 'you');
  for (const place of state.places) {
    const x = (((place.location.lng - state.near.lng) * kmPerLng) / radiusKm) * 100;
    const y = (-((place.location.lat - state.near.lat) * 110.57) / radiusKm) * 100;
    dot(x, y, 4, '#b3261e', place.name, 'place-marker');
  }
  $('map').replaceChildren(svg);
}

async function start() {
  state.settings = await (await fetch('/console/map-settings')).json();
  translateStatic();
  $('language').addEventListener('click', () => {
    state.lang = state.lang === 'zh-CN' ? 'en' : 'zh-CN';
    localStorage.setItem(LANGUAGE_STORAGE, state.lang);
    translateStatic();
    renderList();
  });
  for (const id of ['group', 'kind', 'radius']) $(id).addEventListener('change', () => void load());
  $('api-key').addEventListener('change', () => void load());
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  state.near = await findPosition();
  await load();
}

void start();
