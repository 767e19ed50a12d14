// The asset card a scan opens: what it is, its state, what is due, what was done, and the
// crew's actions as big buttons (the common one first: one tap after the scan).

import { button, fill, h } from './dom.js';
import { formatDate, formatNumber, t, typeLabel } from './i18n.js';
import { available, farAway } from './geo.js';
import { quickInspection } from './quick.js';

const hasNfc = () => 'NDEFReader' in window;

function notice(kind, ...content) {
  return h('div', { class: `notice ${kind}`, role: kind === 'danger' ? 'alert' : null }, ...content);
}

// A choice of a built-in type in the crew's language (value.mounting.bracket → "Ausleger");
// values of the municipality's own types have no entry and are shown as they are.
function choice(key, value) {
  const id = `value.${key}.${value}`;
  const text = t(id);
  return text === id ? String(value) : text;
}

function attributeValue(value, key) {
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (Array.isArray(value)) return value.map((v) => attributeValue(v, key)).join(', ');
  if (value && typeof value === 'object') {
    if ('power_kw' in value) return `${value.type} ${formatNumber(value.power_kw, 1)} kW`;
    return Object.entries(value).map(([k, v]) => `${k}: ${attributeValue(v, k)}`).join(', ');
  }
  return typeof value === 'number' ? formatNumber(value, 3) : choice(key, value);
}

function attributeLabel(key) {
  const label = t(`attr.${key}`);
  return label === `attr.${key}` ? key.replaceAll('_', ' ') : label;
}

function facts(asset) {
  const rows = Object.entries(asset.attributes || {})
    .filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && !v.length));
  for (const key of ['manufacturer', 'model', 'installed_on']) {
    if (asset[key]) rows.push([key, key === 'installed_on' ? formatDate(asset[key]) : asset[key]]);
  }
  if (!rows.length) return null;
  return h('section', { class: 'facts' },
    h('h2', {}, t('card.details')),
    h('dl', {}, rows.map(([k, v]) => [h('dt', {}, attributeLabel(k)), h('dd', {}, attributeValue(v, k))])));
}

function statusBadge(status) {
  return h('span', { class: `status status-${status}` }, t(`status.${status}`));
}

/** A meter's last reading, to compare with the dial before typing. */
function lastReading(card) {
  const last = card.maintenance.find((m) => m.reading_value !== null && m.reading_value !== undefined);
  if (card.asset.type !== 'meter' || !last) return null;
  return h('p', { class: 'due' }, t('card.last_reading', {
    value: formatNumber(Number(last.reading_value), 3), date: formatDate(last.performed_at),
  }));
}

function due(asset) {
  if (!asset.next_due) return null;
  return asset.overdue
    ? notice('danger overdue', h('strong', {}, t('card.overdue', { date: formatDate(asset.next_due) })))
    : h('p', { class: 'due' }, t('card.next_due', { date: formatDate(asset.next_due) }));
}

function recordLine(m) {
  const what = [t(`kind.${m.kind}`), t(`result.${m.result}`)];
  if (m.reading_value !== null && m.reading_value !== undefined) what.push(formatNumber(Number(m.reading_value), 3));
  return h('li', {},
    h('strong', {}, formatDate(m.performed_at, true)), ' · ', what.join(' · '),
    m.performed_by ? h('span', { class: 'by' }, ` · ${m.performed_by.replace(/^user:/, '')}`) : null,
    m.notes ? h('p', { class: 'notes' }, m.notes) : null);
}

function history(card, waiting) {
  const items = [
    ...waiting.map((e) => h('li', { class: 'waiting' },
      h('strong', {}, t('card.not_sent')), ' · ', t(`kind.${e.body.kind}`), ' · ', t(`result.${e.body.result}`))),
    ...card.maintenance.map(recordLine),
  ];
  return h('section', { class: 'history' },
    h('h2', {}, t('card.history')),
    items.length ? h('ul', {}, items) : h('p', {}, t('card.no_history')));
}

function related(card) {
  const line = (a) => h('li', {}, h('strong', {}, a.code), ` · ${typeLabel(a.type)}`,
    a.name ? ` · ${a.name}` : '', ' ', statusBadge(a.status));
  if (!card.parent && !card.children.length) return null;
  return h('section', { class: 'related' },
    card.parent ? [h('h2', {}, t('card.parent')), h('ul', {}, line(card.parent))] : null,
    card.children.length ? [h('h2', {}, t('card.children')), h('ul', {}, card.children.map(line))] : null);
}

/** GPS line, and the warning when the phone is far from where the asset should be. */
function position(ctx) {
  const result = farAway(ctx.fix, ctx.card.asset.geometry, ctx.card.limits?.plausibility_margin_m ?? 25);
  if (!result) return null;
  const line = t('geo.distance', { distance: formatNumber(result.distance), accuracy: formatNumber(ctx.fix.accuracy) });
  return result.far
    ? notice('warn', h('strong', {}, t('geo.wrong_place')), h('br'), line)
    : h('p', { class: 'gps' }, line);
}

function actions(ctx, asset) {
  const { can, tag } = ctx.card;
  const list = [];
  if (can.includes('maintenance.write')) {
    if (asset.type === 'meter') {
      list.push(button(t('action.meter_reading'), () => ctx.open('record', { kind: 'meter_reading' }), 'ok'));
    } else {
      list.push(button(t('action.inspection_ok'), (e) => quickInspection(ctx, e.currentTarget), 'ok'));
    }
    list.push(button(t('action.record'), () => ctx.open('record'), 'primary'));
  }
  if (can.includes('asset.write')) {
    list.push(asset.status === 'defective'
      ? button(t('action.back_in_service'), () => ctx.open('status', { status: 'active' }), 'plain')
      : button(t('action.defective'), () => ctx.open('status', { status: 'defective' }), 'danger'));
    list.push(button(t('action.fix_position'), () => ctx.open('fix'), 'plain'));
  }
  if (!ctx.fix && available()) {
    // no fix yet: the person may turn the GPS on (once allowed, it starts by itself)
    list.push(button(t('geo.check_place'), () => ctx.followPosition(), 'plain', { id: 'check-place' }));
  }
  if (can.includes('tag.write') && tag.kind === 'nfc' && hasNfc()) {
    list.push(button(t('action.write_nfc'), () => ctx.open('nfc'), 'plain'));
  }
  return list.length ? h('div', { class: 'actions' }, list) : null;
}

function publicPart(ctx) {
  return [
    h('a', { class: 'btn primary', href: `/report?tag=${encodeURIComponent(ctx.token)}` }, t('public.report')),
    h('p', { class: 'hint' }, t('public.report_soon')),
    h('a', { class: 'btn plain', href: ctx.loginUrl() }, t('public.login')),
  ];
}

function header(card, asset) {
  return [
    h('p', { class: 'type' }, typeLabel(asset.type)),
    h('h1', { class: 'code' }, asset.code),
    asset.name ? h('p', { class: 'name' }, asset.name) : null,
    h('p', {}, statusBadge(asset.status)),
  ];
}

function emptyLabel(ctx) {
  const { card } = ctx;
  if (card.tag.state === 'revoked') return [h('h1', {}, t('card.revoked')), h('p', {}, t('card.revoked_text'))];
  if (card.tag.state === 'unassigned') {
    return [
      h('h1', {}, t('card.blank')),
      h('p', {}, t('card.blank_text', { code: card.tag.short_code })),
      card.capture ? button(t('action.capture'), () => ctx.open('capture'), 'primary') : null,
      card.role ? null : publicPart(ctx),
    ];
  }
  // an asset the public may not see (a meter): only whose label it is
  return [h('h1', {}, card.municipality.name), h('p', {}, t('card.not_public')), publicPart(ctx)];
}

export function cardView(ctx) {
  const { card } = ctx;
  if (ctx.missing) return h('section', { class: 'card' }, h('h1', {}, t('card.unknown')), h('p', {}, t('card.unknown_text')));
  if (!card) {
    return h('section', { class: 'card' }, h('h1', {}, t('card.offline')), h('p', {}, t('card.offline_text')),
      button(t('pending.open'), () => ctx.open('pending'), 'primary'));
  }
  const asset = card.asset;
  const banner = ctx.cachedAt ? notice('info', t('card.cached', { time: formatDate(ctx.cachedAt, true) })) : null;
  const label = h('p', { class: 'label-code' }, t('card.label', { code: card.tag.short_code, municipality: card.municipality.name }));
  if (!asset) return h('section', { class: 'card' }, banner, emptyLabel(ctx), label);
  const waiting = ctx.pending.filter((e) => e.type === 'maintenance' && e.asset_id === asset.id);
  return h('section', { class: 'card' },
    banner,
    header(card, asset),
    card.tag.state === 'replaced' ? notice('info', t('card.replaced')) : null,
    card.role
      ? [due(asset), lastReading(card), h('div', { id: 'card-position' }, position(ctx)), actions(ctx, asset)]
      : publicPart(ctx),
    facts(asset),
    related(card),
    card.role ? history(card, waiting) : null,
    label);
}

/** A new GPS fix: only the position part changes (re-rendering the card would scroll it). */
export function updatePosition(ctx) {
  const slot = document.getElementById('card-position');
  if (!slot) return;
  fill(slot, position(ctx));
  document.getElementById('check-place')?.remove();
}
